import type { Tags, VirtualMachine, VirtualMachineScaleSet } from './armTypes';
import type { AzureClients } from './azureClients';
import { parseResourceId } from './armResourceId';

/**
 * What Spotbox's launch wrote for a box, as ARM keeps it: the tags (owner, lineage, the pinned host
 * key…) and the launch's name (its key file's). A lone VM carries them itself; a scale set's
 * instance is a VM Azure made from the set's model, so they are the set's (ARM does not copy a
 * set's tags onto its instances).
 */
export interface LaunchRecord {
  readonly tags: Tags;
  readonly launchName: string;
  readonly scaleSet?: VirtualMachineScaleSet;
}

/** From the subscription's scale sets, listed once (the tree's refresh). */
export function launchRecordFrom(vm: VirtualMachine, scaleSets: ReadonlyMap<string, VirtualMachineScaleSet>): LaunchRecord {
  const setId = vm.properties.virtualMachineScaleSet?.id;
  const scaleSet = setId ? scaleSets.get(setId.toLowerCase()) : undefined;
  if (setId) return { tags: scaleSet?.tags ?? {}, launchName: scaleSet?.name ?? parseResourceId(setId)?.name ?? vm.name, ...(scaleSet ? { scaleSet } : {}) };
  return { tags: vm.tags ?? {}, launchName: vm.name };
}

/** For one VM, reading its set from ARM when it has one. */
export async function launchRecordOf(clients: AzureClients, vm: VirtualMachine, signal?: AbortSignal): Promise<LaunchRecord> {
  const setId = vm.properties.virtualMachineScaleSet?.id;
  const parts = setId ? parseResourceId(setId) : undefined;
  const scaleSet = parts ? await clients.scaleSets.get(parts.resourceGroup, parts.name, signal) : undefined;
  return launchRecordFrom(vm, new Map(scaleSet && setId ? [[setId.toLowerCase(), scaleSet]] : []));
}

export function scaleSetsById(scaleSets: readonly VirtualMachineScaleSet[]): Map<string, VirtualMachineScaleSet> {
  return new Map(scaleSets.map((set) => [set.id.toLowerCase(), set]));
}
