import { TAGS } from '../aws/spotboxTags';
import type { Box, BoxState } from '../boxes/box';
import type { CloudBoxSource } from '../boxes/multiCloudBoxSource';
import { parseResourceId } from './armResourceId';
import type { PublicIpAddress, VirtualMachine } from './armTypes';
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
export function boxFromAzureVm(vm: VirtualMachine, publicIp?: string, hourlyPriceUsd?: number): Box {
  const tags = vm.tags ?? {};
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
    keyName: vm.name,
    ...(tags[TAGS.sshUser] ? { sshUser: tags[TAGS.sshUser] } : {}),
    ...(tags[TAGS.workspaceDir] ? { workspaceDir: tags[TAGS.workspaceDir] } : {}),
    ...(tags[TAGS.session] ? { sessionId: tags[TAGS.session] } : {}),
    ...(tags[TAGS.lineage] ? { lineage: tags[TAGS.lineage] } : {}),
  };
}

/**
 * The subscription's Spotbox boxes: VMs tagged spotbox:managed=true, with their power states (one
 * `statusOnly` list) and addresses (one list of public IPs, matched by the box's resource group).
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
    const [vms, ips] = await Promise.all([clients.virtualMachines.listAll(), clients.network.listPublicIps()]);
    const ipOfGroup = new Map<string, PublicIpAddress>();
    for (const ip of ips) {
      const group = parseResourceId(ip.id)?.resourceGroup.toLowerCase();
      if (group && ip.properties.ipAddress) ipOfGroup.set(group, ip);
    }
    return Promise.all(
      vms
        .filter((vm) => vm.tags?.[TAGS.managed] === 'true')
        .map(async (vm) => {
          const group = parseResourceId(vm.id)?.resourceGroup.toLowerCase();
          const box = boxFromAzureVm(vm, group ? ipOfGroup.get(group)?.properties.ipAddress : undefined);
          const price = box.lifecycle === 'spot' ? await this.spotPrice(box.region, box.instanceType).catch(() => undefined) : undefined;
          return price === undefined ? box : { ...box, hourlyPriceUsd: price };
        }),
    );
  }
}
