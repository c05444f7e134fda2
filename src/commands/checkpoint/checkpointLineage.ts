import type { BoxEndpoints } from '../../attach/boxEndpoints';
import type { Box } from '../../core/boxes/box';
import type { BoxStore } from '../../core/boxes/boxStore';
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

/** The box's lineage, which knows where its checkpoints go; a box launched without checkpoint settings is refused. */
export async function checkpointLineageOf(deps: CheckpointCommandDeps, box: Box): Promise<LineageRecord> {
  const record = await deps.lineages.findByInstance(box.instanceId);
  if (!record?.checkpoint) {
    throw new SpotboxError(`${box.name} has no checkpoint settings, so there is nothing to save or restore.`, 'Add a "checkpoint" block (bucket, prefix) to .spotbox/profile.json and launch a new box.');
  }
  return record;
}
