import type { ComputeClient } from './computeClient';
import { lastSegment } from './computeTypes';
import type { SpotPlacement } from './gceSpotLaunch';

/**
 * Where a Spot box may go, in the profile's order: each region, each machine type, each of the
 * region's zones that is up and offers the type. GCE has no fleet to spread a request over pools,
 * so this list is the diversification, tried one by one until a zone has capacity.
 */
export async function gcePlacements(compute: ComputeClient, regions: readonly string[], machineTypes: readonly string[], signal?: AbortSignal): Promise<SpotPlacement[]> {
  const call = signal ? { signal } : {};
  const zones = (await compute.listZones(undefined, call)).filter((zone) => zone.status !== 'DOWN');
  const placements: SpotPlacement[] = [];
  for (const region of regions) {
    const regionZones = zones.filter((zone) => lastSegment(zone.region) === region).map((zone) => zone.name).sort();
    for (const machineType of machineTypes) {
      for (const zone of regionZones) {
        // A type a zone does not offer is a 404 there, not a capacity problem: leave it out.
        if (await compute.getMachineType(zone, machineType, call)) placements.push({ zone, machineType });
      }
    }
  }
  return placements;
}
