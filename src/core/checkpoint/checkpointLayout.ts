/**
 * Where checkpoints live in the bucket, as the agent (resources/agent/spotbox_agent.py) writes them:
 * `<prefix>/<session>/<seq>/files/...`, `.../<seq>/workspace/...`, and `.../<seq>/manifest.json` last.
 */
export const MANIFEST_NAME = 'manifest.json';
/** Written first into each seq folder: a folder with it and no manifest is a failed or running checkpoint. */
export const STARTED_NAME = 'started.json';
/** Written with a session's first checkpoint, right inside the session folder. */
export const SESSION_NOTE_NAME = 'session.json';

/** Zero-padded so that folders sort by seq; longer numbers still parse. */
const SEQ_DIGITS = 6;

export interface CheckpointLocation {
  readonly bucket: string;
  /** Key prefix without leading or trailing slashes; may be empty. */
  readonly prefix: string;
}

export function prefixFolder(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

export function sessionFolder(prefix: string, session: string): string {
  return `${prefixFolder(prefix)}${session}/`;
}

export function seqFolder(prefix: string, session: string, seq: number): string {
  return `${sessionFolder(prefix, session)}${String(seq).padStart(SEQ_DIGITS, '0')}/`;
}

export function manifestKey(prefix: string, session: string, seq: number): string {
  return `${seqFolder(prefix, session, seq)}${MANIFEST_NAME}`;
}

/** The seq of a listed folder (`.../000007/`), or undefined for anything else in the session. */
export function seqOfFolder(sessionPrefix: string, commonPrefix: string): number | undefined {
  if (!commonPrefix.startsWith(sessionPrefix)) return undefined;
  const name = commonPrefix.slice(sessionPrefix.length).replace(/\/$/, '');
  return new RegExp(`^\\d{${SEQ_DIGITS},}$`).test(name) ? Number(name) : undefined;
}
