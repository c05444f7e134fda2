import { promises as fs } from 'node:fs';
import { TAGS } from '../aws/spotboxTags';
import { ArmApiError } from '../azure/armError';
import { parseResourceId } from '../azure/armResourceId';
import type { VirtualMachine } from '../azure/armTypes';
import { powerStateOf } from '../azure/armVirtualMachines';
import type { AzureClients } from '../azure/azureClients';
import { deleteBoxGroup } from '../azure/azureBoxGroup';
import { launchRecordFrom, scaleSetsById } from '../azure/azureLaunchRecord';
import { privateKeyPathFor } from '../ssh/privateKeyFile';
import { createdAtOf } from './createdAt';
import type { HygieneCloud, TaggedResource } from './orphanTypes';

/** ARM lists a subscription at once: the sweep reads Azure as one scope. */
export const AZURE_SWEEP_SCOPE = 'global';

/** A VM's power state in the sweep's (EC2's) words. */
function stateOf(vm: VirtualMachine): string {
  const power = powerStateOf(vm);
  if (power === 'running') return 'running';
  if (power === 'stopping' || power === 'deallocating') return 'stopping';
  if (power === 'stopped' || power === 'deallocated') return 'stopped';
  return 'pending';
}

/**
 * The sweep's view of Azure, in the kinds the sweep already knows: a VM is an instance, and the
 * box's resource group (its network, public IP and NSG; the VM too while it lives) stands where a
 * security group stands on AWS: released last, once no live box of its session is left. Deleting
 * the group deletes everything in it, and the key file named after the launch goes with it.
 */
export function azureHygieneCloud(clients: () => Promise<AzureClients>, keyDirectory: string): HygieneCloud {
  return {
    async listTagged() {
      const azure = await clients();
      const [vms, groups, sets] = await Promise.all([azure.virtualMachines.listAll(), azure.resourceGroups.listByTag(TAGS.managed, 'true'), azure.scaleSets.listAll()]);
      const scaleSets = scaleSetsById(sets);
      const resources: TaggedResource[] = [];
      for (const vm of vms) {
        // A scale set's instance carries no tags of its own: its set's say whose it is.
        const { tags } = launchRecordFrom(vm, scaleSets);
        if (tags[TAGS.managed] !== 'true') continue;
        resources.push({ kind: 'instance', id: vm.id, name: vm.name, region: AZURE_SWEEP_SCOPE, tags, state: stateOf(vm), ...createdAtOf(vm.properties.timeCreated) });
      }
      for (const group of groups) {
        // Resource groups carry no creation time in ARM; the sweep's grace period then counts from the session's oldest sibling.
        resources.push({ kind: 'security-group', id: group.name, name: group.name, region: AZURE_SWEEP_SCOPE, tags: group.tags ?? {} });
      }
      return resources;
    },

    async deleteFleet() {
      throw new Error('Azure boxes have no fleet in this version of Spotbox.');
    },

    async terminateInstances(_region, ids) {
      const azure = await clients();
      await Promise.all(
        ids.map(async (id) => {
          const parts = parseResourceId(id);
          if (!parts) throw new Error(`${id} is not an Azure VM id.`);
          // An instance alone would be restored by its scale set: the set goes instead.
          const vm = await azure.virtualMachines.get(parts.resourceGroup, parts.name);
          const set = vm?.properties.virtualMachineScaleSet?.id ? parseResourceId(vm.properties.virtualMachineScaleSet.id) : undefined;
          if (set) await azure.scaleSets.delete(set.resourceGroup, set.name);
          else await azure.virtualMachines.delete(parts.resourceGroup, parts.name);
        }),
      );
    },

    async remainingInstances(_region, ids) {
      const azure = await clients();
      const left = await Promise.all(ids.map(async (id) => {
        const parts = parseResourceId(id);
        return parts && (await azure.virtualMachines.get(parts.resourceGroup, parts.name)) ? id : undefined;
      }));
      return left.filter((id): id is string => id !== undefined);
    },

    async deleteLaunchTemplate() {
      // Azure boxes have no template: the VM's model lives only in ARM.
    },

    async deleteKeyPair() {
      // Azure has no key pairs: the public key is in the VM's osProfile, gone with the VM.
    },

    async deleteSecurityGroup(_region, group) {
      const azure = await clients();
      try {
        const found = await azure.resourceGroups.get(group);
        if (found) await deleteBoxGroup(azure, found);
      } catch (error) {
        if (!(error instanceof ArmApiError && error.status === 404)) throw error;
      }
      // The group is spotbox-<launch name>-<location> (azureLaunch.ts); the key is spotbox-<launch name>.pem.
      const launchName = group.replace(/^spotbox-/, '').replace(/-[a-z0-9]+$/, '');
      await fs.rm(privateKeyPathFor(keyDirectory, `spotbox-${launchName}`), { force: true });
    },
  };
}

