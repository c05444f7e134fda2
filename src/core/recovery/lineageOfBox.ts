import type { Box } from '../boxes/box';
import type { LineageRecord } from './recoveryTypes';

/** The lineage a box belongs to: by the instances it recorded, else by the box's spotbox:lineage tag (a fleet's box no window saw yet). */
export async function lineageOfBox(lineages: { findByInstance(instanceId: string): Promise<LineageRecord | undefined>; get(lineage: string): Promise<LineageRecord | undefined> }, box: Pick<Box, 'instanceId' | 'lineage'>): Promise<LineageRecord | undefined> {
  return (await lineages.findByInstance(box.instanceId)) ?? (box.lineage ? await lineages.get(box.lineage) : undefined);
}

/**
 * A fleet lineage's earlier box, which EC2 is about to reclaim while the lineage goes on on its
 * replacement: ending it alone relaunches nothing (the fleet has its one box), whereas deleting the
 * fleet would end the replacement too.
 */
export function isEarlierFleetBox(record: LineageRecord | undefined, instanceId: string): boolean {
  return record?.fleetId !== undefined && !record.ended && record.currentInstanceId !== instanceId && record.instanceIds.includes(instanceId);
}
