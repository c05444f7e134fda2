import { createHash } from 'node:crypto';
import { manifestKey, seqFolder, sessionFolder, SESSION_NOTE_NAME } from '../checkpoint/checkpointLayout';
import { parseManifest } from '../checkpoint/manifest';
import { SpotboxError } from '../errors';
import type { CheckpointCopyReport, CopyProgress } from '../recovery/crossCloudTypes';
import type { ObjectSink, ObjectSource } from './objectStores';

/** The lineage's predecessor note the agent's boot restore reads (spotbox_session.py boot): copied so the box knows the notice it follows. */
export const HANDOFF_NAME = 'handoff.json';

export interface CheckpointCopyRequest {
  /** The checkpoint prefix, the same on both sides: the manifest's keys name it. */
  readonly prefix: string;
  readonly lineage: string;
  readonly seq: number;
}

export interface CheckpointCopyOptions {
  /** Objects in flight at once (default 8): each is held in memory while it crosses. */
  readonly concurrency?: number;
  readonly onProgress?: (progress: CopyProgress) => void;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

/**
 * Copies one committed checkpoint of a lineage to another store, as a box there needs it to restore
 * itself at boot (the agent's boot_restore): every file its manifest names (checked against the
 * manifest's size and sha256 on the way), the session note and the predecessor's handoff note when
 * there, and the manifest LAST, so the other side never holds a manifest whose files are missing.
 * Keys stay the same: the manifest names them. Objects cross `concurrency` at a time.
 */
export async function copyCheckpoint(source: ObjectSource, sink: ObjectSink, request: CheckpointCopyRequest, options: CheckpointCopyOptions = {}): Promise<CheckpointCopyReport> {
  const now = options.now ?? Date.now;
  const started = now();
  const key = manifestKey(request.prefix, request.lineage, request.seq);
  const manifestBytes = await source.get(key, options.signal);
  if (!manifestBytes) {
    throw new SpotboxError(`Checkpoint ${request.seq} of ${request.lineage} has no manifest at ${source.url}/${key}: it is not committed.`, 'Copy a committed checkpoint (Spotbox: Checkpoints lists them).');
  }
  const { manifest, problems } = parseManifest(Buffer.from(manifestBytes).toString('utf8'), { session: request.lineage, seq: request.seq, folder: seqFolder(request.prefix, request.lineage, request.seq) });
  if (!manifest) {
    throw new SpotboxError(`The manifest ${source.url}/${key} is invalid: ${problems.slice(0, 3).join('; ')}.`, 'Copy an earlier checkpoint of the lineage.');
  }
  const notes = [SESSION_NOTE_NAME, HANDOFF_NAME].map((name) => `${sessionFolder(request.prefix, request.lineage)}${name}`);
  const bytesTotal = manifest.files.reduce((sum, file) => sum + file.size, 0) + manifestBytes.byteLength;
  let objectsDone = 0;
  let bytesDone = 0;
  const objectsTotal = manifest.files.length + 1;
  const moved = (bytes: number): void => {
    objectsDone++;
    bytesDone += bytes;
    options.onProgress?.({ objectsDone, objectsTotal, bytesDone, bytesTotal });
  };

  const queue = [...manifest.files];
  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      options.signal?.throwIfAborted();
      const body = await source.get(file.key, options.signal);
      if (!body) {
        throw new SpotboxError(`${source.url}/${file.key} is missing although checkpoint ${request.seq} names it.`, 'Copy an earlier checkpoint of the lineage.');
      }
      if (body.byteLength !== file.size || createHash('sha256').update(body).digest('hex') !== file.sha256) {
        throw new SpotboxError(`${source.url}/${file.key} differs from checkpoint ${request.seq}'s manifest (size or sha256); nothing torn was copied as complete.`, 'Copy an earlier checkpoint of the lineage.');
      }
      await sink.put(file.key, body, options.signal);
      moved(body.byteLength);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 8, queue.length)) }, worker));

  let noteBytes = 0;
  let noteObjects = 0;
  for (const note of notes) {
    options.signal?.throwIfAborted();
    const body = await source.get(note, options.signal);
    if (body) {
      await sink.put(note, body, options.signal);
      noteBytes += body.byteLength;
      noteObjects++;
    }
  }
  options.signal?.throwIfAborted();
  await sink.put(key, manifestBytes, options.signal);
  moved(manifestBytes.byteLength);
  const bytes = bytesDone + noteBytes;
  const seconds = Math.max(0.001, (now() - started) / 1000);
  return {
    seq: request.seq,
    ...(manifest.step !== undefined ? { step: manifest.step } : {}),
    objects: objectsDone + noteObjects,
    bytes,
    seconds,
    mbPerSecond: bytes / 1e6 / seconds,
  };
}
