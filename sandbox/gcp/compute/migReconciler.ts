/**
 * What a managed instance group does on its own, without a client: it keeps `targetSize` managed
 * instances, creates each one's VM from the template through instances.insert (so a group's VM is
 * a box like any other and meets the same capacity and quota faults), tries the next (zone, type)
 * when one fails and retries the whole list after a backoff, and repairs a VM that is gone or
 * stopped without the group asking by recreating it under the same name.
 *
 * Repair, as Google documents it: "If a VM fails or is deleted by an action not initiated by the
 * MIG, then the MIG automatically repairs the failed VM" by recreating it
 * (https://cloud.google.com/compute/docs/instance-groups/about-repair); "during a repair, a MIG
 * recreates a VM using the same instance configuration that was originally used to create the VM"
 * (https://cloud.google.com/compute/docs/instance-groups/update-on-repair); the managed instance
 * keeps its name, which exists "even if the instance has not yet been created" (ManagedInstance.name
 * in the v1 reference), and deleting a group's VM outside the group makes the group "recreate that
 * instance" (https://cloud.google.com/compute/docs/instance-groups/working-with-managed-instances).
 * A TERMINATED VM (a Spot VM preempted with instanceTerminationAction STOP, or one stopped by hand)
 * has failed the same way: recreating deletes it, boot disk included (currentActions.recreating),
 * and creates it anew. A deleted Spot VM (instanceTerminationAction DELETE) is simply created again.
 */
import type { EventSink } from '../../contract';
import { GoogleApiError } from '../http/googleError';
import type { InstanceRecord } from './instanceRecord';
import type { InstanceService } from './instances';
import type { InstanceTemplates } from './instanceTemplates';
import { machineTypesByRank, placementOrder, type Placement } from './migPlacement';
import type { ManagedInstanceRecord, MigRecord } from './migRecord';
import type { OperationError, OperationRecord } from './operations';
import { instanceBodyFromTemplate } from './templateInstanceBody';

/** Sandbox default from a VM's loss to its recreation; GCE takes longer (tens of seconds, not documented as a figure). */
export const DEFAULT_REPAIR_DELAY_MS = 3000;
/** Sandbox default wait before a group tries its (zone, type) list again after every one failed. */
export const DEFAULT_CREATE_RETRY_MS = 5000;
/** listErrors keeps this many of the newest errors per group. */
const KEPT_ERRORS = 200;

export interface MigReconcilerOptions {
  readonly project: string;
  readonly projectNumber: string;
  readonly instances: InstanceService;
  readonly templates: InstanceTemplates;
  readonly events: EventSink;
  readonly groups: () => MigRecord[];
  /** Called once a deleted group has no VM left; ends its delete operation. */
  readonly deleted: (group: MigRecord) => void;
  readonly repairDelayMs?: number;
  readonly createRetryMs?: number;
  readonly now?: () => number;
  readonly tickMs?: number;
}

/** One creation in flight: the insert operation of `placements[index]`. */
interface Attempt {
  readonly operation: OperationRecord;
  readonly placements: readonly Placement[];
  readonly index: number;
}

export class MigReconciler {
  private readonly attempts = new Map<string, Attempt>();
  /** VMs the group asked instances.delete for, so it asks once. */
  private readonly deleteRequested = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: MigReconcilerOptions) {}

  /** The service account Compute acts as for a group (an operation's `user`). */
  get user(): string {
    return `${this.o.projectNumber}@cloudservices.gserviceaccount.com`;
  }

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.o.tickMs ?? 250);
    this.timer.unref();
  }

  dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    for (const group of this.o.groups()) {
      if (!group.deleting) {
        this.resize(group);
      }
      for (const managed of [...group.managed]) {
        this.step(group, managed);
      }
      if (group.deleting && group.managed.length === 0) {
        this.o.deleted(group);
      }
    }
  }

  /** New managed instances up to targetSize; past it, the ones without a running VM go first. */
  private resize(group: MigRecord): void {
    const active = group.managed.filter((managed) => managed.currentAction !== 'DELETING');
    for (let count = active.length; count < group.targetSize; count++) {
      const managed: ManagedInstanceRecord = { name: this.newName(group), currentAction: 'CREATING' };
      group.managed.push(managed);
    }
    const surplus = active.length - group.targetSize;
    if (surplus > 0) {
      const victims = [...active].sort((a, b) => Number(a.currentAction === 'NONE') - Number(b.currentAction === 'NONE')).slice(0, surplus);
      victims.forEach((managed) => (managed.currentAction = 'DELETING'));
    }
  }

  private step(group: MigRecord, managed: ManagedInstanceRecord): void {
    const attempt = this.attempts.get(this.key(group, managed));
    const vm = managed.zone ? this.o.instances.find(managed.zone, managed.name) : undefined;
    if (attempt) {
      if (attempt.operation.status === 'DONE') {
        this.attempted(group, managed, attempt);
        return;
      }
      if (vm?.id === attempt.operation.targetId) {
        return;
      }
      // The VM being created was deleted under the insert (whose operation then never ends): the attempt is over.
      this.attempts.delete(this.key(group, managed));
    }
    switch (managed.currentAction) {
      case 'DELETING':
        if (vm) {
          this.deleteVm(vm);
        } else {
          group.managed = group.managed.filter((other) => other !== managed);
        }
        return;
      case 'NONE':
        if (!vm || vm.id !== managed.instanceId) {
          this.repair(group, managed, 'deleted');
        } else if (vm.status === 'TERMINATED') {
          this.repair(group, managed, vm.preempted ? 'preempted' : 'stopped');
        }
        return;
      case 'CREATING':
      case 'RECREATING':
        if (vm?.status === 'RUNNING') {
          // Up again (a creation from before a sandbox restart has booted, or someone started the stopped VM).
          this.created(group, managed, vm.id);
        } else if (vm?.status === 'TERMINATED') {
          // The failed VM goes first: the new one takes its name.
          this.deleteVm(vm);
        } else if (!vm && this.now >= (managed.notBeforeMs ?? 0)) {
          this.create(group, managed);
        }
        return;
    }
  }

  private repair(group: MigRecord, managed: ManagedInstanceRecord, reason: string): void {
    managed.currentAction = 'RECREATING';
    managed.notBeforeMs = this.now + (this.o.repairDelayMs ?? DEFAULT_REPAIR_DELAY_MS);
    this.o.events.record('gce-mig-repair', { group: group.name, region: group.region, instance: managed.name, zone: managed.zone, reason });
  }

  private create(group: MigRecord, managed: ManagedInstanceRecord): void {
    const template = this.o.templates.get(group.templateName);
    const othersByZone = new Map<string, number>();
    for (const other of group.managed) {
      if (other !== managed && other.zone && other.currentAction !== 'DELETING') {
        othersByZone.set(other.zone, (othersByZone.get(other.zone) ?? 0) + 1);
      }
    }
    const accelerators = (Array.isArray(template.properties.guestAccelerators) ? template.properties.guestAccelerators : [])
      .map((accelerator) => String((accelerator as { acceleratorType?: unknown }).acceleratorType));
    const placements = placementOrder({
      zones: group.zones,
      shape: group.targetShape,
      machineTypes: machineTypesByRank(group.instanceSelections, String(template.properties.machineType)),
      othersByZone,
      guestAccelerators: accelerators,
    });
    managed.lastAttemptErrors = [];
    this.tryPlacement(group, managed, placements, 0);
  }

  private tryPlacement(group: MigRecord, managed: ManagedInstanceRecord, placements: readonly Placement[], index: number): void {
    const placement = placements[index];
    if (!placement) {
      managed.notBeforeMs = this.now + (this.o.createRetryMs ?? DEFAULT_CREATE_RETRY_MS);
      return;
    }
    managed.zone = placement.zone;
    managed.machineType = placement.machineType;
    const body = instanceBodyFromTemplate(this.o.templates.get(group.templateName), {
      project: this.o.project, projectNumber: this.o.projectNumber, region: group.region, group: group.name, name: managed.name, zone: placement.zone, machineType: placement.machineType,
    });
    let operation: OperationRecord;
    try {
      operation = this.o.instances.insert(placement.zone, body, this.user);
    } catch (error) {
      // Refused at once (the name taken in that zone, ...): an error like the failed operations', then the next placement.
      this.failed(group, managed, [errorOf(error)]);
      this.tryPlacement(group, managed, placements, index + 1);
      return;
    }
    this.attempts.set(this.key(group, managed), { operation, placements, index });
    this.o.events.record('gce-mig-instance-creating', { group: group.name, region: group.region, instance: managed.name, zone: placement.zone, machineType: placement.machineType, action: managed.currentAction });
  }

  private attempted(group: MigRecord, managed: ManagedInstanceRecord, attempt: Attempt): void {
    this.attempts.delete(this.key(group, managed));
    const errors = attempt.operation.error?.errors;
    if (!errors) {
      if (managed.currentAction === 'DELETING') {
        managed.instanceId = attempt.operation.targetId;
      } else {
        this.created(group, managed, attempt.operation.targetId);
      }
      return;
    }
    this.failed(group, managed, errors);
    if (managed.currentAction !== 'DELETING') {
      this.tryPlacement(group, managed, attempt.placements, attempt.index + 1);
    }
  }

  private created(group: MigRecord, managed: ManagedInstanceRecord, instanceId: string): void {
    managed.instanceId = instanceId;
    managed.currentAction = 'NONE';
    managed.lastAttemptErrors = undefined;
    managed.notBeforeMs = undefined;
    this.o.events.record('gce-mig-instance-running', { group: group.name, region: group.region, instance: managed.name, zone: managed.zone, id: instanceId, machineType: managed.machineType });
  }

  private failed(group: MigRecord, managed: ManagedInstanceRecord, errors: readonly OperationError[]): void {
    const action = managed.currentAction === 'RECREATING' ? 'RECREATING' : 'CREATING';
    for (const error of errors) {
      managed.lastAttemptErrors = [...(managed.lastAttemptErrors ?? []), { code: error.code, message: error.message }];
      group.errors.push({ code: error.code, message: error.message, action, zone: managed.zone ?? group.zones[0], instanceName: managed.name, timeMs: this.now });
      this.o.events.record('gce-mig-instance-failed', { group: group.name, region: group.region, instance: managed.name, zone: managed.zone, machineType: managed.machineType, code: error.code });
    }
    group.errors = group.errors.slice(-KEPT_ERRORS);
  }

  private deleteVm(vm: InstanceRecord): void {
    if (!this.deleteRequested.has(vm.id)) {
      this.deleteRequested.add(vm.id);
      this.o.instances.delete(vm.zone, vm.name, this.user);
    }
  }

  /** `<base>-<4 of [a-z0-9]>`, or `<base>-001`... for a base ending in `-###` (`[n]` starting at n), unused in the project. */
  private newName(group: MigRecord): string {
    const taken = new Set([...this.o.instances.list().map((vm) => vm.name), ...this.o.groups().flatMap((other) => other.managed.map((managed) => managed.name))]);
    const sequential = /^(.*-)(#{1,10})(?:\[(\d{1,10})\])?$/.exec(group.baseInstanceName);
    for (let n = sequential ? Number(sequential[3] ?? 1) : 0; ; n++) {
      const name = sequential
        ? `${sequential[1]}${String(n).padStart(sequential[2].length, '0')}`
        : `${group.baseInstanceName}-${Array.from({ length: 4 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('')}`;
      if (!taken.has(name)) {
        return name;
      }
    }
  }

  private key(group: MigRecord, managed: ManagedInstanceRecord): string {
    return `${group.region}/${group.name}/${managed.name}`;
  }
}

/** A refused insert as an operation error: Compute's codes for the reasons the sandbox can meet. */
function errorOf(error: unknown): OperationError {
  if (error instanceof GoogleApiError) {
    const code = error.reason === 'alreadyExists' ? 'RESOURCE_ALREADY_EXISTS' : error.reason === 'notFound' ? 'RESOURCE_NOT_FOUND' : 'INVALID_USAGE';
    return { code, message: error.message };
  }
  return { code: 'INTERNAL_ERROR', message: String(error) };
}
