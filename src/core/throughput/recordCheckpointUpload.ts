import type { CheckpointFitBoard } from './checkpointFitBoard';
import { withCommittedCheckpoint, withWarned, type CheckpointUploads, type CommittedCheckpoint } from './checkpointUploads';
import { noticeFitOf, type NoticeFit } from './noticeFit';

/** Where a box's measurements persist: its lineage record (LineageStore.updateCheckpointUploads). */
export interface CheckpointUploadsStore {
  /** Applies `change` to the uploads of the box's lineage, atomically; undefined when the box has no lineage record. */
  updateCheckpointUploads(instanceId: string, change: (uploads: CheckpointUploads | undefined) => CheckpointUploads): Promise<CheckpointUploads | undefined>;
}

export interface RecordedUpload {
  readonly fit?: NoticeFit;
  /** True once per box: its checkpoint is too big for the notice and it has not been said yet. */
  readonly warnNow: boolean;
}

/**
 * Records a committed checkpoint: in the lineage record (so later launches of the profile know it),
 * else only in memory, and on the board the tree reads. Decides, in the same atomic update, whether
 * this box is to be told that its checkpoint does not fit the notice (once per box, across windows).
 */
export async function recordCheckpointUpload(store: CheckpointUploadsStore, board: CheckpointFitBoard, committed: CommittedCheckpoint): Promise<RecordedUpload> {
  let warnNow = false;
  const change = (uploads: CheckpointUploads | undefined): CheckpointUploads => {
    const next = withCommittedCheckpoint(uploads, committed);
    const fit = noticeFitOf(next);
    warnNow = fit !== undefined && !fit.fits && !(next.warnedInstanceIds ?? []).includes(committed.instanceId);
    return warnNow ? withWarned(next, committed.instanceId) : next;
  };
  const uploads = (await store.updateCheckpointUploads(committed.instanceId, change)) ?? change(board.uploadsOf(committed.instanceId));
  board.note(committed.instanceId, uploads);
  const fit = noticeFitOf(uploads);
  return { ...(fit ? { fit } : {}), warnNow };
}
