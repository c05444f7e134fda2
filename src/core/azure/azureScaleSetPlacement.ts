import { abortableSleep } from '../network/fetchRetry';
import { SpotboxError } from '../errors';
import type { Logger } from '../logging/logger';
import { ArmApiError, isNoCapacity } from './armError';
import type { NetworkInterface, PublicIpAddress, VirtualMachine, VirtualMachineScaleSet } from './armTypes';
import type { AzureClients } from './azureClients';
import { buildSpotScaleSet, type AzureSpotScaleSetSpec } from './azureScaleSetRequest';

export interface PlacedScaleSet {
  readonly scaleSet: VirtualMachineScaleSet;
  readonly vm: VirtualMachine;
  readonly vmSize: string;
  readonly publicIp: string;
}

/**
 * Asks for the scale set in one location, size after size: the first size with Spot capacity wins;
 * a size without capacity has its set deleted before the next is asked (the set holds no capacity,
 * but its name is reused). Returns undefined when no size had capacity; other refusals are thrown.
 */
export async function placeScaleSet(
  clients: AzureClients,
  resourceGroup: string,
  spec: Omit<AzureSpotScaleSetSpec, 'vmSize'>,
  vmSizes: readonly string[],
  options: { logger: Logger; signal?: AbortSignal; onProgress: (message: string) => void; onNoCapacity: (vmSize: string, reason: string) => void; onError: (error: unknown, vmSize: string) => unknown },
): Promise<PlacedScaleSet | undefined> {
  const { signal } = options;
  for (const vmSize of vmSizes) {
    signal?.throwIfAborted();
    options.onProgress(`asking for a Spot ${vmSize} in ${spec.location} (a scale set of one that Azure restores after an eviction)`);
    try {
      const scaleSet = await clients.scaleSets.create(resourceGroup, spec.name, buildSpotScaleSet({ ...spec, vmSize }), signal);
      const { vm, publicIp } = await firstInstance(clients, resourceGroup, scaleSet, signal);
      return { scaleSet, vm, vmSize, publicIp };
    } catch (error) {
      if (!isNoCapacity(error)) throw options.onError(error, vmSize);
      options.onNoCapacity(vmSize, (error as ArmApiError).message);
      await clients.scaleSets.delete(resourceGroup, spec.name, signal).catch((cleanup: unknown) => options.logger.warn(`could not delete the scale set ${spec.name} that had no capacity: ${String(cleanup)}`));
    }
  }
  return undefined;
}

/** The set's running instance and its public address, once ARM lists both (a few polls after the set's operation ends). */
async function firstInstance(clients: AzureClients, resourceGroup: string, scaleSet: VirtualMachineScaleSet, signal?: AbortSignal): Promise<{ vm: VirtualMachine; publicIp: string }> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const [vm] = await clients.scaleSets.instances(resourceGroup, scaleSet.id, signal);
    const publicIp = vm ? await addressOfVm(clients, vm, signal) : undefined;
    if (vm && publicIp) return { vm, publicIp };
    await abortableSleep(2_000, signal);
  }
  throw new SpotboxError(`Azure created the scale set ${scaleSet.name} but listed no instance with a public address within a minute.`, `Look at the scale set in the Azure portal; Terminate Box (or az group delete --name ${resourceGroup}) removes it.`);
}

/** A VM's public address, through its primary NIC (ARM's word on which IP is the VM's). */
export async function addressOfVm(clients: AzureClients, vm: VirtualMachine, signal?: AbortSignal): Promise<string | undefined> {
  const nicId = vm.properties.networkProfile?.networkInterfaces?.[0]?.id;
  if (!nicId) return undefined;
  const nic = await clients.network.getById<NetworkInterface>(nicId, signal);
  const ipId = nic?.properties.ipConfigurations?.find((configuration) => configuration.properties?.publicIPAddress)?.properties?.publicIPAddress?.id;
  if (!ipId) return undefined;
  const ip = await clients.network.getById<PublicIpAddress>(ipId, signal);
  return ip?.properties.ipAddress;
}
