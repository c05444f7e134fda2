/**
 * ARM's state file (`<sandbox>/azure/arm-state.json`): resource groups, resources (scale sets with
 * their VM profile), role assignments and what the sandbox keeps about each VM, so that a restarted
 * sandbox resumes them and boots their boxes again at the same addresses (operations are not
 * kept). Written whenever a snapshot differs from the last one.
 */
import * as fs from 'node:fs';
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
  private saved = '';

  constructor(
    private readonly file: string,
    private readonly store: ResourceStore,
    private readonly vms: VirtualMachines,
    private readonly scaleSets: VirtualMachineScaleSets,
    private readonly roleAssignments: RoleAssignments,
  ) {}

  save(): void {
    const state = JSON.stringify({ groups: this.store.listGroups(), resources: this.store.list(), vms: this.vms.saved(), roleAssignments: this.roleAssignments.saved() } satisfies SavedState);
    if (state !== this.saved) {
      fs.writeFileSync(`${this.file}.tmp`, state);
      fs.renameSync(`${this.file}.tmp`, this.file);
      this.saved = state;
    }
  }

  restore(): void {
    if (!fs.existsSync(this.file)) {
      return;
    }
    const state = JSON.parse(fs.readFileSync(this.file, 'utf8')) as SavedState;
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
    this.saved = JSON.stringify(state);
  }
}
