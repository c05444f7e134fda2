/** Tag keys that make the cloud the source of truth about Spotbox's resources. */
export const TAGS = {
  box: 'spotbox:box',
  /** The launching installation's random owner id (older versions: the OS user name); see hygiene/ownership.ts. */
  owner: 'spotbox:owner',
  session: 'spotbox:session',
  /** Always "true" on what a launch creates: without it, a resource is never Spotbox's to delete. */
  managed: 'spotbox:managed',
  /** The login user of the box's image (ubuntu on Ubuntu AMIs), so attaching needs no profile. */
  sshUser: 'spotbox:ssh-user',
  workspaceDir: 'spotbox:workspace-dir',
  /** One id for a box and all its replacements; names its checkpoints in S3. */
  lineage: 'spotbox:lineage',
  /** The recovery run that claimed an interrupted box, so a second window does not start another. */
  recovery: 'spotbox:recovery',
  /**
   * Where the agent checkpoints a lineage whose boxes restore themselves (Google Cloud, Azure):
   * `<bucket>/<prefix>`, so a window reads the notice checkpoint from the bucket, not from the box.
   */
  checkpoint: 'spotbox:checkpoint',
  /** Set only where sshd is not on 22 (the sandbox without root). */
  sshPort: 'spotbox:ssh-port',
} as const;
