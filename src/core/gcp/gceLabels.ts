import { TAGS } from '../aws/spotboxTags';

/**
 * The AWS tags' intent (spotboxTags.ts) as GCE labels. Label keys and values allow only lowercase
 * letters, digits, `_` and `-`, up to 63 characters, keys starting with a letter: `spotbox:ssh-user`
 * becomes `spotbox-ssh-user`. The workspace folder (a path) cannot be a label value; it goes in the
 * instance metadata instead (`spotbox-workspace-dir`).
 */
export const LABELS = {
  box: labelKey(TAGS.box),
  owner: labelKey(TAGS.owner),
  session: labelKey(TAGS.session),
  managed: labelKey(TAGS.managed),
  sshUser: labelKey(TAGS.sshUser),
  lineage: labelKey(TAGS.lineage),
  recovery: labelKey(TAGS.recovery),
  sshPort: labelKey(TAGS.sshPort),
} as const;

export const WORKSPACE_DIR_METADATA_KEY = labelKey(TAGS.workspaceDir);
/** `<bucket>/<prefix>` of a self-restoring lineage's checkpoints (a path: metadata, not a label). */
export const CHECKPOINT_METADATA_KEY = labelKey(TAGS.checkpoint);

export type SpotboxLabelName = keyof typeof LABELS;

/** `spotbox:ssh-user` -> `spotbox-ssh-user`. */
export function labelKey(tag: string): string {
  const key = tag.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63);
  if (!/^[a-z]/.test(key)) throw new Error(`"${tag}" cannot become a GCE label key (it must start with a letter).`);
  return key;
}

/**
 * A value GCE accepts: lowercase, `[a-z0-9_-]`, at most 63 characters. Anything else becomes `_`.
 * Ids Spotbox makes (owner, box, session, lineage) are already legal, so only odd user input changes;
 * `isLabelValue` says whether a value survives unchanged.
 */
export function labelValue(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);
}

export function isLabelValue(value: string): boolean {
  return /^[a-z0-9_-]{0,63}$/.test(value);
}

/** The labels of a box, only for the names given. `managed` is always "true". */
export function spotboxLabels(values: Partial<Record<Exclude<SpotboxLabelName, 'managed'>, string>>): Record<string, string> {
  const labels: Record<string, string> = { [LABELS.managed]: 'true' };
  for (const [name, value] of Object.entries(values) as Array<[Exclude<SpotboxLabelName, 'managed'>, string | undefined]>) {
    if (value !== undefined) labels[LABELS[name]] = labelValue(value);
  }
  return labels;
}

/** A Compute list filter for `labels.k = "v"` terms, ANDed: `(labels.spotbox-managed = "true") AND (...)`. */
export function labelFilter(labels: Readonly<Record<string, string>>, extra: readonly string[] = []): string {
  const terms = [...Object.entries(labels).map(([key, value]) => `labels.${key} = "${value.replace(/["\\]/g, '')}"`), ...extra];
  return terms.map((term) => `(${term})`).join(' AND ');
}
