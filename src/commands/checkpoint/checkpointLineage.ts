import type { BoxEndpoints } from '../../attach/boxEndpoints';
import type { Box } from '../../core/boxes/box';
import type { BoxStore } from '../../core/boxes/boxStore';
import { CLOUD_FACTS } from '../../core/cloud/clouds';
import { SpotboxError } from '../../core/errors';
import type { LineageStore } from '../../core/recovery/lineageStore';
import type { LineageRecord } from '../../core/recovery/recoveryTypes';

/** What Checkpoint Now and Restore Checkpoint share. */
export interface CheckpointCommandDeps {
  readonly boxStore: BoxStore;
  readonly endpoints: BoxEndpoints;
  readonly lineages: LineageStore;
  readonly awsProfile: () => string | undefined;
}

/**
 * Whether the box's agent checkpoints: an AWS box by its lineage record, a Google Cloud or Azure box
 * by its lineage tag (its agent knows its bucket; no lineage file is kept for it). A box launched
 * without checkpoint settings is refused.
 */
export async function requireCheckpointingBox(deps: CheckpointCommandDeps, box: Box): Promise<void> {
  if (box.cloud === 'aws') {
    await checkpointLineageOf(deps, box);
  } else if (!box.lineage) {
    throw new SpotboxError(`${box.name} was launched without checkpoint settings, so it has no agent to checkpoint.`, 'Add a "checkpoint" block (bucket, prefix) to .spotbox/profile.json and launch a new box.');
  }
}

/** The box's lineage, which knows where its checkpoints go; a box launched without checkpoint settings is refused. */
export async function checkpointLineageOf(deps: CheckpointCommandDeps, box: Box): Promise<LineageRecord> {
  if (box.cloud !== 'aws') {
    // Restore Checkpoint lists S3; on these clouds the cloud's new VM restores the newest checkpoint itself.
    throw new SpotboxError(
      `Restore Checkpoint lists the S3 checkpoints of AWS boxes; ${box.name} is on ${CLOUD_FACTS[box.cloud].label}, whose checkpoints are in ${CLOUD_FACTS[box.cloud].objectStore}.`,
      `When ${CLOUD_FACTS[box.cloud].label} replaces the box, the new VM restores the newest checkpoint by itself; to go back further, copy that checkpoint's folder on the box by hand.`,
    );
  }
  const record = await deps.lineages.findByInstance(box.instanceId);
  if (!record?.checkpoint) {
    throw new SpotboxError(`${box.name} has no checkpoint settings, so there is nothing to save or restore.`, 'Add a "checkpoint" block (bucket, prefix) to .spotbox/profile.json and launch a new box.');
  }
  return record;
}
