/**
 * ARM's state file (`<sandbox>/azure/arm-state.json`): resource groups, resources (scale sets with
 * their VM profile), role assignments and what the sandbox keeps about each VM, so that a restarted
 * sandbox resumes them and boots their boxes again at the same addresses (operations are not
 * kept). Written whenever a snapshot differs from the last one.
 */
import { JsonStateFile } from '../../jsonStateFile';
import type { ArmResource, ResourceGroup, ResourceStore } from './resourceStore';
import type { RoleAssignment, RoleAssignments } from './roleAssignments';
import type { VirtualMachineScaleSets } from './virtualMachineScaleSets';
import type { SavedVm, VirtualMachines } from './virtualMachines';

interface SavedState {
  readonly groups: ResourceGroup[];
  readonly resources: ArmResource[];
  readonly vms: SavedVm[];
  readonly roleAssignments?: RoleAssignment[];
}

export class ArmStateFile {
  private readonly state: JsonStateFile<SavedState>;

  constructor(
    file: string,
    private readonly store: ResourceStore,
    private readonly vms: VirtualMachines,
    private readonly scaleSets: VirtualMachineScaleSets,
    private readonly roleAssignments: RoleAssignments,
  ) {
    this.state = new JsonStateFile(file);
  }

  save(): void {
    this.state.save({ groups: this.store.listGroups(), resources: this.store.list(), vms: this.vms.saved(), roleAssignments: this.roleAssignments.saved() });
  }

  restore(): void {
    const state = this.state.load();
    if (!state) {
      return;
    }
    for (const group of state.groups) {
      // A deletion cut short by the stop finishes now: the group is gone.
      if (group.provisioningState !== 'Deleting') {
        this.store.putGroup(group);
      }
    }
    for (const resource of state.resources) {
      if (this.store.group(resource.resourceGroup)) {
        this.store.put(resource);
      }
    }
    this.vms.restore(state.vms.filter((vm) => this.store.get(vm.resourceId)));
    // Scale sets (resources, with their model) resume Try & Restore where instances are missing.
    this.scaleSets.resume();
    this.roleAssignments.restore(state.roleAssignments ?? []);
  }
}
