/** One measured upload: what the agent sent to S3 and how long it took (journal `checkpoint-committed`). */
export interface UploadSample {
  /** Epoch ms of the commit (the journal event's time): identifies the sample when a journal is replayed. */
  readonly at: number;
  readonly instanceId: string;
  readonly uploadedBytes: number;
  readonly seconds: number;
}

/** The newest committed checkpoint: its whole size is what a notice checkpoint may have to send. */
export interface LastCheckpoint {
  readonly at: number;
  readonly instanceId: string;
  readonly bytes: number;
  readonly reason?: string;
}

/**
 * What the editor has measured of a lineage's checkpoints, persisted with its lineage record so a
 * later launch of the same profile knows it before any checkpoint is taken.
 */
export interface CheckpointUploads {
  /** Newest last, at most KEPT_UPLOAD_SAMPLES. */
  readonly samples: readonly UploadSample[];
  readonly last?: LastCheckpoint;
  /** Boxes already told that their checkpoint does not fit in the notice (told once per box). */
  readonly warnedInstanceIds?: readonly string[];
}

/**
 * Below this, a checkpoint's time is mostly request latency (manifest, CopyObject of unchanged
 * files), not bandwidth: one 8 MiB part, the agent's multipart unit.
 */
export const MIN_SAMPLE_BYTES = 8 * 1024 * 1024;
/** A few recent measurements: the link and the bucket change, so old ones stop telling much. */
export const KEPT_UPLOAD_SAMPLES = 5;

/** What a `checkpoint-committed` journal event says about the upload (fields the agent left out stay undefined). */
export interface CommittedCheckpoint {
  /** Epoch ms of the event. */
  readonly time: number;
  readonly instanceId: string;
  readonly reason?: string;
  /** The checkpoint's total size. */
  readonly bytes?: number;
  /** Bytes actually sent; unchanged files are copied server-side and send none. */
  readonly uploadedBytes?: number;
  /** Upload duration, from after the trainer's save settled to the manifest. */
  readonly seconds?: number;
}

/** Adds a committed checkpoint to the measurements; the same event again (a replayed journal) changes nothing. */
export function withCommittedCheckpoint(uploads: CheckpointUploads | undefined, committed: CommittedCheckpoint): CheckpointUploads {
  const current: CheckpointUploads = uploads ?? { samples: [] };
  const { time, instanceId, bytes, uploadedBytes, seconds, reason } = committed;
  const isNewest = current.last === undefined || time >= current.last.at;
  const last: LastCheckpoint | undefined = bytes !== undefined && isNewest ? { at: time, instanceId, bytes, ...(reason ? { reason } : {}) } : current.last;
  const measurable = uploadedBytes !== undefined && seconds !== undefined && seconds > 0 && uploadedBytes >= MIN_SAMPLE_BYTES;
  const known = current.samples.some((sample) => sample.at === time && sample.instanceId === instanceId);
  const samples =
    measurable && !known ? [...current.samples, { at: time, instanceId, uploadedBytes, seconds }].sort((a, b) => a.at - b.at).slice(-KEPT_UPLOAD_SAMPLES) : current.samples;
  return { ...current, samples, ...(last ? { last } : {}) };
}

/**
 * The upload throughput in bytes per second: the median of the kept samples, so that one upload
 * slowed by a retry or a busy disk does not decide alone. Undefined before the first sample.
 */
export function uploadBytesPerSecond(uploads: CheckpointUploads | undefined): number | undefined {
  const rates = (uploads?.samples ?? []).map((sample) => sample.uploadedBytes / sample.seconds).sort((a, b) => a - b);
  if (rates.length === 0) {
    return undefined;
  }
  const middle = Math.floor(rates.length / 2);
  return rates.length % 2 === 1 ? rates[middle] : (rates[middle - 1] + rates[middle]) / 2;
}

export function withWarned(uploads: CheckpointUploads, instanceId: string): CheckpointUploads {
  return uploads.warnedInstanceIds?.includes(instanceId) ? uploads : { ...uploads, warnedInstanceIds: [...(uploads.warnedInstanceIds ?? []), instanceId] };
}
