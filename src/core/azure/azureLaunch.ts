import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SpotboxError } from '../errors';
import type { RollbackJournal } from '../launch/rollbackJournal';
import type { Logger } from '../logging/logger';
import { generateEd25519KeyPair } from '../ssh/ed25519KeyPair';
import { writePrivateKeyFile } from '../ssh/privateKeyFile';
import { isNoCapacity, isPriceAboveMax, isQuota, ArmApiError } from './armError';
import { sshFromCallerRule } from './armNetwork';
import type { VirtualMachine, VirtualMachineScaleSet } from './armTypes';
import { placeScaleSet } from './azureScaleSetPlacement';
import type { AzureClients } from './azureClients';
import { buildAzureCloudConfig } from './azureCloudConfig';
import { boxTags, buildSpotVm, type ImageReference } from './azureVmRequest';

/** What one Spot box on Azure is made of; the profile's words, already checked. */
export interface AzureLaunchRequest {
  readonly boxName: string;
  /** Azure regions (`eastus`), tried in order. */
  readonly locations: readonly string[];
  /** VM sizes, tried in order within each location. */
  readonly vmSizes: readonly string[];
  readonly image: ImageReference;
  readonly diskSizeGb: number;
  readonly adminUsername: string;
  readonly workspaceDir: string;
  readonly callerIp: string;
  readonly owner: string;
  readonly keyDirectory: string;
  /** USD per hour, or -1 (up to the pay-as-you-go price). */
  readonly maxPrice: number;
  readonly lineage?: string;
  /** `<account>/<container>/<prefix>` of the agent's checkpoints, tagged for the window's recovery timeline. */
  readonly checkpoint?: string;
  /** The agent's bootstrap, run once at first boot; with it the VM gets a system-assigned identity. */
  readonly firstBootScript?: string;
  /**
   * Keep the box with a Spot scale set of one that Azure restores after an eviction (a session to
   * resume): each new instance boots from the same model and restores itself. Its identity is
   * system-assigned, as a lone VM's with a bootstrap.
   */
  readonly scaleSet?: boolean;
}

export interface LaunchedAzureBox {
  readonly name: string;
  /** The box's own resource group: deleting it releases the VM, disk, NIC, IP, network and NSG. */
  readonly resourceGroup: string;
  readonly location: string;
  readonly vmSize: string;
  readonly sessionId: string;
  readonly privateKeyPath: string;
  readonly publicIp: string;
  /** The host key made for the box and installed by cloud-init: pinned from the start. */
  readonly hostPublicKey: string;
  /** The box's VM; with a scale set, its first instance. */
  readonly vm: VirtualMachine;
  /** The scale set that keeps the box, when the request asked for one. */
  readonly scaleSet?: VirtualMachineScaleSet;
  readonly skipped: ReadonlyArray<{ readonly location: string; readonly vmSize: string; readonly reason: string }>;
}

export interface AzureLaunchOptions {
  readonly logger: Logger;
  readonly journal: RollbackJournal;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

/**
 * Creates a Spot box on Azure: its SSH key and host key (made here), then per location a resource
 * group of its own with an NSG admitting SSH from the caller's address only, a virtual network, a
 * public IP and a NIC, and the Spot VM in the first size with capacity (the bounded loop over the
 * profile's pools that EC2 Fleet does on AWS). A location without capacity for any size has its
 * group deleted before the next is asked. Everything is journalled: a failure or cancel deletes it.
 */
export async function launchAzureBox(clients: AzureClients, request: AzureLaunchRequest, options: AzureLaunchOptions): Promise<LaunchedAzureBox> {
  const { journal, signal } = options;
  const report = (message: string): void => options.onProgress?.(message);
  const sessionId = randomUUID();
  const name = `${request.boxName}-${sessionId.slice(0, 8)}`;

  report('creating the SSH key and the host key');
  const { utils } = await import('ssh2');
  const keys = generateEd25519KeyPair(utils, `spotbox-${name}`);
  const hostKey = generateEd25519KeyPair(utils, `host-${name}`);
  const hostPublicKey = hostKey.public.split(' ').slice(0, 2).join(' ');
  const privateKeyPath = path.join(request.keyDirectory, `spotbox-${name}.pem`);
  await writePrivateKeyFile(privateKeyPath, keys.private);
  journal.record(`private key ${privateKeyPath}`, () => fs.rm(privateKeyPath, { force: true }));

  const tags = boxTags({ box: request.boxName, owner: request.owner, session: sessionId, sshUser: request.adminUsername, workspaceDir: request.workspaceDir, ...(request.lineage ? { lineage: request.lineage } : {}), ...(request.checkpoint ? { checkpoint: request.checkpoint } : {}), hostKey: hostPublicKey });
  const customData = buildAzureCloudConfig({ hostKey: { privateKeyOpenSsh: hostKey.private, publicKeyLine: hostPublicKey }, ...(request.firstBootScript !== undefined ? { firstBootScript: request.firstBootScript } : {}) });
  const skipped: Array<{ location: string; vmSize: string; reason: string }> = [];

  for (const location of request.locations) {
    signal?.throwIfAborted();
    const resourceGroup = `spotbox-${name}-${location}`;
    report(`creating resource group ${resourceGroup}`);
    // Recorded before the PUT: a group half-made or made during a cancel is still deleted.
    let groupDeleted = false;
    journal.record(`resource group ${resourceGroup}`, async () => {
      if (!groupDeleted) await clients.resourceGroups.delete(resourceGroup);
    });
    await clients.resourceGroups.createOrUpdate(resourceGroup, location, tags, signal);
    report(`opening SSH to ${name} from ${request.callerIp} only`);
    const nsg = await clients.network.putSecurityGroup(resourceGroup, `${name}-nsg`, location, [sshFromCallerRule(request.callerIp)], tags, signal);
    const vnet = await clients.network.putVirtualNetwork(resourceGroup, `${name}-vnet`, location, '10.0.0.0/16', { name: 'default', addressPrefix: '10.0.0.0/24', securityGroupId: nsg.id }, tags, signal);
    const subnetId = vnet.properties.subnets?.[0]?.id ?? `${vnet.id}/subnets/default`;
    if (request.scaleSet) {
      const placed = await placeScaleSet(
        clients,
        resourceGroup,
        { name, location, image: request.image, diskSizeGb: request.diskSizeGb, adminUsername: request.adminUsername, sshPublicKey: keys.public, customData, maxPrice: request.maxPrice, tags, securityGroupId: nsg.id, subnetId },
        request.vmSizes,
        { logger: options.logger, ...(signal ? { signal } : {}), onProgress: report, onNoCapacity: (vmSize, reason) => skipped.push({ location, vmSize, reason }), onError: (error, vmSize) => toAzureLaunchError(error, { vmSize, location, maxPrice: request.maxPrice }) },
      );
      if (placed) {
        for (const skip of skipped) options.logger.info(`no capacity: ${skip.vmSize} in ${skip.location}: ${skip.reason}`);
        return { name, resourceGroup, location, vmSize: placed.vmSize, sessionId, privateKeyPath, publicIp: placed.publicIp, hostPublicKey, vm: placed.vm, scaleSet: placed.scaleSet, skipped };
      }
      report(`no Spot capacity in ${location}; removing its resource group`);
      await clients.resourceGroups.delete(resourceGroup, signal);
      groupDeleted = true;
      continue;
    }
    const ip = await clients.network.putPublicIp(resourceGroup, `${name}-ip`, location, tags, signal);
    const nic = await clients.network.putNetworkInterface(resourceGroup, `${name}-nic`, location, subnetId, ip.id, nsg.id, tags, signal);

    for (const vmSize of request.vmSizes) {
      signal?.throwIfAborted();
      report(`asking for a Spot ${vmSize} in ${location}`);
      const body = buildSpotVm({ name, location, vmSize, image: request.image, diskSizeGb: request.diskSizeGb, adminUsername: request.adminUsername, sshPublicKey: keys.public, customData, networkInterfaceId: nic.id, maxPrice: request.maxPrice, tags, identity: request.firstBootScript !== undefined });
      try {
        const vm = await clients.virtualMachines.create(resourceGroup, name, body, signal);
        const address = (await clients.network.getPublicIp(resourceGroup, `${name}-ip`, signal))?.properties.ipAddress;
        if (!address) throw new SpotboxError(`Azure created ${name} but gave its public IP no address.`, 'Try again; if it repeats, check the public IP in the Azure portal.');
        for (const skip of skipped) options.logger.info(`no capacity: ${skip.vmSize} in ${skip.location}: ${skip.reason}`);
        return { name, resourceGroup, location, vmSize, sessionId, privateKeyPath, publicIp: address, hostPublicKey, vm, skipped };
      } catch (error) {
        if (!isNoCapacity(error)) throw toAzureLaunchError(error, { vmSize, location, maxPrice: request.maxPrice });
        skipped.push({ location, vmSize, reason: (error as ArmApiError).message });
        // A VM whose allocation failed may stay behind in the Failed state, holding the NIC.
        await clients.virtualMachines.delete(resourceGroup, name, signal).catch((cleanup: unknown) => options.logger.warn(`could not delete the failed VM ${name}: ${String(cleanup)}`));
      }
    }
    report(`no Spot capacity in ${location}; removing its resource group`);
    await clients.resourceGroups.delete(resourceGroup, signal);
    groupDeleted = true;
  }
  throw new SpotboxError(
    `No Spot capacity for ${request.vmSizes.join(', ')} in ${request.locations.join(', ')} right now (${skipped.map((s) => `${s.vmSize} in ${s.location}: ${s.reason}`).join('; ')}).`,
    'Add VM sizes or regions to .spotbox/profile.json, or try again later: Spot capacity changes by the hour.',
  );
}

/** ARM's refusals as a user reads them, with the next step. */
function toAzureLaunchError(error: unknown, where: { vmSize: string; location: string; maxPrice: number }): unknown {
  if (!(error instanceof ArmApiError)) return error;
  if (isPriceAboveMax(error)) {
    return new SpotboxError(`Azure's Spot price for ${where.vmSize} in ${where.location} is above your maxPrice of $${where.maxPrice}/h: ${error.message}`, 'Raise "maxPrice" in .spotbox/profile.json (or remove it to pay up to the pay-as-you-go price), or pick a cheaper size or region.', { cause: error });
  }
  if (isQuota(error)) {
    const family = /(\w+Family)/.exec(error.message)?.[1];
    return new SpotboxError(`Azure refused ${where.vmSize} in ${where.location} for quota${family ? ` (${family}, Spot vCPUs are counted as "Total Regional Low-priority vCPUs")` : ''}: ${error.message}`, 'Request more Spot vCPU quota in the Azure portal (Subscriptions > Usage + quotas), or choose a smaller size.', { cause: error });
  }
  return new SpotboxError(`Azure refused to create ${where.vmSize} in ${where.location}: ${error.code}: ${error.message}`, 'Check the profile\'s image, size and region; the Output view (Spotbox) has the request.', { cause: error });
}
