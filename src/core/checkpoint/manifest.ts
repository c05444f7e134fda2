/** Which folder of the box a saved file came from, and where restore puts it back. */
export type CheckpointArea = 'files' | 'workspace';
/** Why a checkpoint was taken; `rebalance`: at once on EC2's rebalance recommendation (a raised risk of interruption). */
export type CheckpointReason = 'notice' | 'periodic' | 'manual' | 'rebalance';

export const CHECKPOINT_AREAS: readonly CheckpointArea[] = ['files', 'workspace'];
export const CHECKPOINT_REASONS: readonly CheckpointReason[] = ['notice', 'periodic', 'manual', 'rebalance'];

export interface ManifestFile {
  /** Relative to the area's folder, `/`-separated. */
  readonly path: string;
  readonly area: CheckpointArea;
  readonly size: number;
  readonly sha256: string;
  /** The object's full key in the bucket, inside this checkpoint's own seq folder. */
  readonly key: string;
}

/** `manifest.json`, written by the agent after every file: a checkpoint without one does not exist. */
export interface CheckpointManifest {
  readonly version: 1;
  readonly session: string;
  readonly seq: number;
  readonly createdAt: string;
  /** The instance id it was taken on; null when the agent could not read it. */
  readonly sourceInstance: string | null;
  readonly reason: CheckpointReason;
  /** The trainer's step (progress.json's `step`, or the number in a `latest` file); absent if unknown. */
  readonly step?: number;
  readonly files: readonly ManifestFile[];
}

export interface ManifestCheck {
  /** Present only when there are no problems. */
  readonly manifest?: CheckpointManifest;
  readonly problems: readonly string[];
}

/** What the manifest must agree with: the folder it was read from. */
export interface ManifestExpectation {
  readonly session?: string;
  readonly seq?: number;
  /** `<prefix>/<session>/<seq>/`: every file's key must be `<folder><area>/<path>`. */
  readonly folder?: string;
}

export function parseManifest(text: string, expected: ManifestExpectation = {}): ManifestCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problems: [`not JSON: ${(error as Error).message}`] };
  }
  return validateManifest(value, expected);
}

/** Checks a manifest's shape and that it belongs where it was found; lists every problem. */
export function validateManifest(value: unknown, expected: ManifestExpectation = {}): ManifestCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: ['not a JSON object'] };
  }
  const doc = value as Record<string, unknown>;
  const problems: string[] = [];
  if (doc.version !== 1) problems.push(`version is ${JSON.stringify(doc.version)}, not 1`);
  if (typeof doc.session !== 'string' || doc.session === '') problems.push('session is missing');
  else if (expected.session !== undefined && doc.session !== expected.session) problems.push(`session is "${doc.session}", not "${expected.session}"`);
  if (!isCount(doc.seq) || doc.seq < 1) problems.push('seq is not a positive integer');
  else if (expected.seq !== undefined && doc.seq !== expected.seq) problems.push(`seq is ${doc.seq}, but the folder is ${expected.seq}`);
  if (typeof doc.createdAt !== 'string' || Number.isNaN(Date.parse(doc.createdAt))) problems.push('createdAt is not a time');
  if (doc.sourceInstance !== null && typeof doc.sourceInstance !== 'string') problems.push('sourceInstance is neither a string nor null');
  if (!(CHECKPOINT_REASONS as readonly unknown[]).includes(doc.reason)) problems.push(`reason ${JSON.stringify(doc.reason)} is not one of ${CHECKPOINT_REASONS.join(', ')}`);
  if (doc.step !== undefined && !isCount(doc.step)) problems.push('step is not a non-negative integer');
  if (!Array.isArray(doc.files)) {
    problems.push('files is not a list');
  } else {
    const seen = new Set<string>();
    doc.files.forEach((file: unknown, index) => {
      for (const problem of fileProblems(file, expected.folder)) problems.push(`files[${index}]: ${problem}`);
      const { area, path } = (file ?? {}) as { area?: unknown; path?: unknown };
      const id = `${String(area)}/${String(path)}`;
      if (seen.has(id)) problems.push(`files[${index}]: ${id} is listed twice`);
      seen.add(id);
    });
  }
  return problems.length > 0 ? { problems } : { manifest: doc as unknown as CheckpointManifest, problems };
}

function fileProblems(value: unknown, folder: string | undefined): string[] {
  if (typeof value !== 'object' || value === null) return ['not an object'];
  const file = value as Record<string, unknown>;
  const problems: string[] = [];
  // Restore writes to <area folder>/<path>: a path that climbs out would write anywhere on the box.
  if (typeof file.path !== 'string' || file.path === '' || file.path.startsWith('/') || file.path.split('/').some((part) => part === '..' || part === '')) {
    problems.push(`path ${JSON.stringify(file.path)} is not a plain relative path`);
  }
  if (!(CHECKPOINT_AREAS as readonly unknown[]).includes(file.area)) problems.push(`area ${JSON.stringify(file.area)} is not files or workspace`);
  if (!isCount(file.size)) problems.push('size is not a non-negative integer');
  if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) problems.push('sha256 is not 64 lower-case hex digits');
  if (typeof file.key !== 'string' || file.key === '') problems.push('key is missing');
  else if (folder !== undefined && typeof file.path === 'string' && file.key !== `${folder}${String(file.area)}/${file.path}`) {
    problems.push(`key ${file.key} is outside this checkpoint's folder`);
  }
  return problems;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
