import { MANIFEST_NAME } from '../checkpoint/checkpointLayout';
import { done, notYet, pollUntil } from '../time/poll';

/** A bucket's listing and reads, as the reader needs them (GCS, Blob storage, S3). */
export interface ManifestBucket {
  /** Every object name under the prefix. */
  names(prefix: string, signal?: AbortSignal): Promise<string[]>;
  /** The object's text; undefined when it is not there. */
  read(name: string, signal?: AbortSignal): Promise<string | undefined>;
}

/** The checkpoint an agent committed on a notice, as its manifest in the bucket says. */
export interface NoticeCheckpoint {
  readonly manifestName: string;
  readonly seq?: number;
  readonly step?: number;
  /** The manifest's createdAt (epoch ms), when it has a valid one. */
  readonly createdAt?: number;
  /** When this reader first saw the manifest (epoch ms). */
  readonly seenAt: number;
}

export interface NoticeCheckpointQuery {
  /** Manifests listed before the notice: an earlier notice's checkpoint is not this one's. */
  readonly skip?: ReadonlySet<string>;
  /** Only a manifest created at or after this time (epoch ms) counts. */
  readonly since?: number;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** The names of every manifest under a lineage's folder (`<prefix>/<lineage>/`, checkpointLayout.ts sessionFolder). */
export async function manifestNames(bucket: ManifestBucket, folder: string, signal?: AbortSignal): Promise<string[]> {
  return (await bucket.names(folder, signal)).filter((name) => name.endsWith(`/${MANIFEST_NAME}`));
}

/**
 * The lineage's notice checkpoint, once its manifest (written last, so the checkpoint is whole) is in
 * the bucket with `reason: "notice"`; undefined while it is not. The bucket is the cloud's storage:
 * what the box's journal says is not taken for it.
 */
export async function findNoticeCheckpoint(bucket: ManifestBucket, folder: string, query: NoticeCheckpointQuery = {}): Promise<NoticeCheckpoint | undefined> {
  const now = query.now ?? Date.now;
  const fresh = (await manifestNames(bucket, folder, query.signal)).filter((name) => !query.skip?.has(name)).sort().reverse();
  for (const manifestName of fresh) {
    const manifest = parseNoticeManifest(await bucket.read(manifestName, query.signal));
    if (!manifest || (query.since !== undefined && (manifest.createdAt === undefined || manifest.createdAt < query.since))) continue;
    return { manifestName, seenAt: now(), ...manifest };
  }
  return undefined;
}

/** Polls findNoticeCheckpoint until the manifest is there. */
export function waitForNoticeCheckpoint(bucket: ManifestBucket, folder: string, query: NoticeCheckpointQuery & { timeoutMs: number; intervalMs?: number }): Promise<NoticeCheckpoint> {
  return pollUntil(
    async () => {
      const found = await findNoticeCheckpoint(bucket, folder, query);
      return found ? done(found) : notYet('no notice checkpoint in the bucket yet');
    },
    { describe: `the notice checkpoint under ${folder}`, intervalMs: query.intervalMs ?? 1_000, timeoutMs: query.timeoutMs, ...(query.signal ? { signal: query.signal } : {}) },
  );
}

/** The figures of a notice checkpoint's manifest; undefined for any other reason, or text that is no manifest. */
function parseNoticeManifest(text: string | undefined): Omit<NoticeCheckpoint, 'manifestName' | 'seenAt'> | undefined {
  if (text === undefined) return undefined;
  let doc: { reason?: unknown; seq?: unknown; step?: unknown; createdAt?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return undefined;
  }
  if (doc.reason !== 'notice') return undefined;
  const createdAt = typeof doc.createdAt === 'string' ? Date.parse(doc.createdAt) : NaN;
  return {
    ...(typeof doc.seq === 'number' ? { seq: doc.seq } : {}),
    ...(typeof doc.step === 'number' ? { step: doc.step } : {}),
    ...(Number.isFinite(createdAt) ? { createdAt } : {}),
  };
}
