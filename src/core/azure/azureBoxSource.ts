import { TAGS } from '../aws/spotboxTags';
import type { Box, BoxState } from '../boxes/box';
import type { CloudBoxSource } from '../boxes/multiCloudBoxSource';
import { parseResourceId } from './armResourceId';
import type { NetworkInterface, PublicIpAddress, VirtualMachine } from './armTypes';
import { launchRecordFrom, scaleSetsById, type LaunchRecord } from './azureLaunchRecord';
import { powerStateOf } from './armVirtualMachines';
import type { AzureClients } from './azureClients';

/** What an Azure power state (or provisioning state, while there is none) means for a box. */
function stateOf(vm: VirtualMachine): BoxState {
  const power = powerStateOf(vm);
  if (power === 'running') return 'running';
  if (power === 'starting') return 'pending';
  if (power === 'stopping' || power === 'deallocating') return 'stopping';
  if (power === 'stopped' || power === 'deallocated') return 'stopped';
  const provisioning = vm.properties.provisioningState;
  if (provisioning === 'Deleting') return 'stopping';
  return 'pending';
}

/**
 * A box as Spotbox shows it, from an Azure VM, its tags and its public IP. The VM's resource id is
 * the box's id (ARM addresses a VM by group and name, and each box has a group of its own); the VM
 * name is the launch's name, which its key file is named after.
 */
export function boxFromAzureVm(vm: VirtualMachine, publicIp?: string, hourlyPriceUsd?: number, record: LaunchRecord = { tags: vm.tags ?? {}, launchName: vm.name }): Box {
  const tags = record.tags;
  return {
    cloud: 'azure',
    instanceId: vm.id,
    name: tags[TAGS.box] ?? vm.name,
    region: vm.location,
    availabilityZone: vm.location,
    instanceType: vm.properties.hardwareProfile.vmSize,
    lifecycle: vm.properties.priority === 'Spot' || vm.properties.priority === 'Low' ? 'spot' : 'on-demand',
    state: stateOf(vm),
    ...(hourlyPriceUsd !== undefined ? { hourlyPriceUsd } : {}),
    ...(vm.properties.timeCreated ? { launchTime: Date.parse(vm.properties.timeCreated) } : {}),
    ...(publicIp ? { publicIp } : {}),
    keyName: record.launchName,
    ...(tags[TAGS.sshUser] ? { sshUser: tags[TAGS.sshUser] } : {}),
    ...(tags[TAGS.workspaceDir] ? { workspaceDir: tags[TAGS.workspaceDir] } : {}),
    ...(tags[TAGS.session] ? { sessionId: tags[TAGS.session] } : {}),
    ...(tags[TAGS.lineage] ? { lineage: tags[TAGS.lineage] } : {}),
  };
}

/**
 * The subscription's Spotbox boxes: VMs tagged spotbox:managed=true (or instances of a scale set
 * so tagged), with their power states (one `statusOnly` list) and addresses (one list each of NICs
 * and public IPs).
 */
export class AzureBoxSource implements CloudBoxSource {
  readonly cloud = 'azure' as const;
  readonly description: string;
  readonly lastProblems: string[] = [];

  constructor(
    private readonly clients: () => Promise<AzureClients>,
    subscriptionId: string,
    private readonly spotPrice: (region: string, vmSize: string) => Promise<number | undefined> = async () => undefined,
  ) {
    this.description = `Azure (subscription ${subscriptionId}, VMs tagged ${TAGS.managed}=true)`;
  }

  async listBoxes(): Promise<Box[]> {
    const clients = await this.clients();
    const [vms, ips, nics, sets] = await Promise.all([clients.virtualMachines.listAll(), clients.network.listPublicIps(), clients.network.listNetworkInterfaces(), clients.scaleSets.listAll()]);
    const scaleSets = scaleSetsById(sets);
    const addressOf = publicAddresses(ips, nics);
    return Promise.all(
      vms
        .map((vm) => ({ vm, record: launchRecordFrom(vm, scaleSets) }))
        .filter(({ record }) => record.tags[TAGS.managed] === 'true')
        .map(async ({ vm, record }) => {
          const box = boxFromAzureVm(vm, addressOf(vm), undefined, record);
          const price = box.lifecycle === 'spot' ? await this.spotPrice(box.region, box.instanceType).catch(() => undefined) : undefined;
          return price === undefined ? box : { ...box, hourlyPriceUsd: price };
        }),
    );
  }
}

/**
 * Each VM's public address: through its primary NIC's public IP (ARM's word on which is whose); a
 * box's group holds one VM at a time, so the group's only address serves while a NIC is not listed yet.
 */
function publicAddresses(ips: readonly PublicIpAddress[], nics: readonly NetworkInterface[]): (vm: VirtualMachine) => string | undefined {
  const ipById = new Map(ips.filter((ip) => ip.properties.ipAddress).map((ip) => [ip.id.toLowerCase(), ip.properties.ipAddress!]));
  const nicById = new Map(nics.map((nic) => [nic.id.toLowerCase(), nic]));
  const ipsOfGroup = new Map<string, string[]>();
  for (const ip of ips) {
    const group = parseResourceId(ip.id)?.resourceGroup.toLowerCase();
    if (group && ip.properties.ipAddress) ipsOfGroup.set(group, [...(ipsOfGroup.get(group) ?? []), ip.properties.ipAddress]);
  }
  return (vm) => {
    const nic = nicById.get(vm.properties.networkProfile?.networkInterfaces?.[0]?.id?.toLowerCase() ?? '');
    const ipId = nic?.properties.ipConfigurations?.find((configuration) => configuration.properties?.publicIPAddress)?.properties?.publicIPAddress?.id;
    if (ipId) return ipById.get(ipId.toLowerCase());
    const inGroup = ipsOfGroup.get(parseResourceId(vm.id)?.resourceGroup.toLowerCase() ?? '') ?? [];
    return inGroup.length === 1 ? inGroup[0] : undefined;
  };
}
