/**
 * Where a managed instance group tries to create a VM: machine types in the flexibility policy's
 * rank order (lowest rank first, as instanceSelections[].rank is documented), else the template's;
 * for each type the group's zones in the order its target shape asks for; only (zone, type) pairs
 * the catalog offers. The reconciler tries them in this order until one is created.
 */
import { acceleratorOffered, machineType } from './catalog';
import type { InstanceSelection, TargetShape } from './migRecord';

export interface Placement {
  readonly zone: string;
  readonly machineType: string;
}

/** Whether the zone has the machine type and the template's guest accelerators for it. */
export function offered(zone: string, machineTypeName: string, guestAccelerators: readonly string[]): boolean {
  const type = machineType(zone, machineTypeName);
  if (!type || (guestAccelerators.length > 0 && type.accelerators.length > 0)) {
    return false;
  }
  return guestAccelerators.every((accelerator) => acceleratorOffered(zone, accelerator) !== undefined);
}

/** Machine types in preference order: instanceSelections by rank (ties in the order given), else the template's own. */
export function machineTypesByRank(selections: Readonly<Record<string, InstanceSelection>> | undefined, templateMachineType: string): string[] {
  if (!selections || Object.keys(selections).length === 0) {
    return [templateMachineType];
  }
  const ranked = Object.values(selections).map((selection, order) => ({ selection, order }))
    .sort((a, b) => (a.selection.rank ?? 0) - (b.selection.rank ?? 0) || a.order - b.order);
  return [...new Set(ranked.flatMap(({ selection }) => selection.machineTypes))];
}

/**
 * The pairs to try, in order. EVEN and BALANCED start with the zones holding fewest of the
 * group's other VMs; ANY keeps the group's zone order; ANY_SINGLE_ZONE stays in the zone the
 * group's other VMs are in, once there is one.
 */
export function placementOrder(input: {
  readonly zones: readonly string[];
  readonly shape: TargetShape;
  readonly machineTypes: readonly string[];
  /** How many of the group's other VMs each zone holds. */
  readonly othersByZone: ReadonlyMap<string, number>;
  readonly guestAccelerators: readonly string[];
}): Placement[] {
  const count = (zone: string): number => input.othersByZone.get(zone) ?? 0;
  let zones = [...input.zones];
  if (input.shape === 'EVEN' || input.shape === 'BALANCED') {
    zones = zones.map((zone, order) => ({ zone, order })).sort((a, b) => count(a.zone) - count(b.zone) || a.order - b.order).map(({ zone }) => zone);
  } else if (input.shape === 'ANY_SINGLE_ZONE') {
    const used = zones.find((zone) => count(zone) > 0);
    zones = used ? [used] : zones;
  }
  return input.machineTypes.flatMap((type) => zones.filter((zone) => offered(zone, type, input.guestAccelerators)).map((zone) => ({ zone, machineType: type })));
}
