import type { Box } from '../../core/boxes/box';
import { lineageOfBox } from '../../core/recovery/lineageOfBox';
import type { LineageStore } from '../../core/recovery/lineageStore';
import type { TimelineRecord } from '../../core/recovery/recoveryTypes';

export interface TimelineCommandDeps {
  readonly lineages: LineageStore;
  /** Shows one lineage's recovery timeline (the recovery feature's notifications). */
  readonly showTimeline: (record: TimelineRecord | undefined) => Promise<void>;
  /** The recoveries Google Cloud's groups and Azure's scale sets made by themselves, as this window followed them. */
  readonly selfRestoreRecordOf?: (box: Pick<Box, 'instanceId' | 'lineage'>) => TimelineRecord | undefined;
}

/**
 * Spotbox: Show Recovery Timeline — the timeline of the box's lineage (an instance id or a tree
 * node), or from the palette, of the newest recovery.
 */
export async function showRecoveryTimelineCommand(deps: TimelineCommandDeps, argument: unknown): Promise<void> {
  const box = typeof argument === 'string' ? { instanceId: argument } : (argument as { box?: Box } | undefined)?.box;
  // A box on the cloud a session moved to is no instance of its lineage's record: its lineage tag names it.
  const record: TimelineRecord | undefined = box
    ? ((await lineageOfBox(deps.lineages, box)) ?? deps.selfRestoreRecordOf?.(box))
    : (await deps.lineages.list()).filter((candidate) => candidate.recovery).sort((a, b) => (b.recovery?.timeline.notice ?? 0) - (a.recovery?.timeline.notice ?? 0))[0];
  await deps.showTimeline(record);
}
