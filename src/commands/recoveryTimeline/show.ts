import type { Box } from '../../core/boxes/box';
import type { LineageStore } from '../../core/recovery/lineageStore';
import type { LineageRecord } from '../../core/recovery/recoveryTypes';

export interface TimelineCommandDeps {
  readonly lineages: LineageStore;
  /** Shows one lineage's recovery timeline (the recovery feature's notifications). */
  readonly showTimeline: (record: LineageRecord | undefined) => Promise<void>;
}

/**
 * Spotbox: Show Recovery Timeline — the timeline of the box's lineage (an instance id or a tree
 * node), or from the palette, of the newest recovery.
 */
export async function showRecoveryTimelineCommand(deps: TimelineCommandDeps, argument: unknown): Promise<void> {
  const instanceId = typeof argument === 'string' ? argument : (argument as { box?: Box } | undefined)?.box?.instanceId;
  const records = await deps.lineages.list();
  const record = instanceId
    ? records.find((candidate) => candidate.instanceIds.includes(instanceId))
    : records.filter((candidate) => candidate.recovery).sort((a, b) => (b.recovery?.timeline.notice ?? 0) - (a.recovery?.timeline.notice ?? 0))[0];
  await deps.showTimeline(record);
}
