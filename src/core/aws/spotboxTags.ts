/** Tag keys that make the cloud the source of truth about Spotbox's resources. */
export const TAGS = {
  box: 'spotbox:box',
  owner: 'spotbox:owner',
  session: 'spotbox:session',
  managed: 'spotbox:managed',
} as const;
