import type { ComputeClient } from './computeClient';
import { lastSegment, type InstanceGroupManager, type ManagedInstance } from './computeTypes';
import { GcpApiError } from './gcpApiError';
import { toGceError } from './gceErrors';

/**
 * A box's managed instance group: a regional group of one Spot VM made from the box's template.
 * When Google preempts the VM (deleted, instanceTerminationAction DELETE), the group recreates it in
 * a zone and machine type with capacity, with no editor involved; the new VM's startup script
 * installs the agent, which restores the newest checkpoint and restarts the session. This is
 * GCE's counterpart of the EC2 Fleet of type maintain (maintainFleet.ts).
 */
export interface BoxGroupSpec {
  /** The launch name: the group's, the template's and the base of its VMs' names. */
  readonly name: string;
  readonly region: string;
  /** The region's zones to place the VM in, in order. */
  readonly zones: readonly string[];
  /** Machine types in order of preference; more than one becomes an instance flexibility policy. */
  readonly machineTypes: readonly string[];
  readonly boxName: string;
}

/** `regionInstanceGroupManagers.insert` body for a box. */
export function buildBoxGroup(spec: BoxGroupSpec): InstanceGroupManager {
  return {
    name: spec.name,
    description: `Spotbox: keeps one Spot VM of ${spec.boxName}, recreated after a preemption.`,
    baseInstanceName: spec.name,
    instanceTemplate: `global/instanceTemplates/${spec.name}`,
    targetSize: 1,
    // One VM in whichever zone has capacity; GCE accepts these shapes only without proactive redistribution.
    distributionPolicy: { zones: spec.zones.map((zone) => ({ zone: `zones/${zone}` })), targetShape: 'ANY_SINGLE_ZONE' },
    updatePolicy: { type: 'OPPORTUNISTIC', instanceRedistributionType: 'NONE' },
    ...(spec.machineTypes.length > 1
      ? { instanceFlexibilityPolicy: { instanceSelections: Object.fromEntries(spec.machineTypes.map((machineType, index) => [`choice-${index + 1}`, { machineTypes: [machineType], rank: index + 1 }])) } }
      : {}),
  };
}

/** The group a VM belongs to, from the `created-by` metadata Google writes on a managed VM. */
export function groupOfInstance(metadata: ReadonlyArray<{ readonly key: string; readonly value: string }> | undefined): { region: string; name: string } | undefined {
  const createdBy = metadata?.find((item) => item.key === 'created-by')?.value;
  const match = createdBy ? /\/regions\/([a-z0-9-]+)\/instanceGroupManagers\/([a-z0-9-]+)$/.exec(createdBy) : null;
  return match ? { region: match[1], name: match[2] } : undefined;
}

export interface GroupWaitStatus {
  /** The group's VM once Google reports it RUNNING. */
  readonly running?: { readonly name: string; readonly zone: string };
  /** The failed tries so far, newest last: `code: message`. */
  readonly errors: readonly string[];
  /** A QUOTA_EXCEEDED try, which no other zone of the region fixes. */
  readonly quota?: { readonly code: string; readonly message: string };
}

/** One look at the group: its VM if running, and the errors of its tries. */
export async function groupStatus(compute: ComputeClient, region: string, name: string, signal?: AbortSignal): Promise<GroupWaitStatus> {
  const call = signal ? { signal } : {};
  const [managed, failures] = await Promise.all([compute.listManagedInstances(region, name, call), compute.listManagedInstanceErrors(region, name, call)]);
  const running = managed.find((vm: ManagedInstance) => vm.instanceStatus === 'RUNNING' && vm.instance);
  const errors = failures.map((failure) => `${failure.error?.code ?? 'ERROR'}: ${failure.error?.message ?? ''}`.trim());
  const quota = failures.find((failure) => /QUOTA/i.test(failure.error?.code ?? ''));
  const zone = running?.instance ? /\/zones\/([a-z0-9-]+)\/instances\//.exec(running.instance)?.[1] : undefined;
  return {
    ...(running?.instance && zone ? { running: { name: running.name ?? lastSegment(running.instance) ?? '', zone } } : {}),
    errors,
    ...(quota ? { quota: { code: quota.error?.code ?? 'QUOTA_EXCEEDED', message: quota.error?.message ?? '' } } : {}),
  };
}

/** Deletes the group (and its VM) and waits until Google has; a group already gone is fine. */
export async function deleteBoxGroup(compute: ComputeClient, region: string, name: string, options: { deadline: number; signal?: AbortSignal }): Promise<void> {
  const call = options.signal ? { signal: options.signal } : {};
  try {
    await compute.waitForOperation(await compute.deleteRegionInstanceGroupManager(region, name, call), { deadline: options.deadline, ...call });
  } catch (error) {
    if (error instanceof GcpApiError && error.httpStatus === 404) return;
    throw toGceError(error, { action: `Deleting the managed instance group ${name}`, project: compute.project });
  }
}

/** Deletes the box's instance template; one already gone is fine. */
export async function deleteBoxTemplate(compute: ComputeClient, name: string, options: { deadline: number; signal?: AbortSignal }): Promise<void> {
  const call = options.signal ? { signal: options.signal } : {};
  try {
    await compute.waitForOperation(await compute.deleteInstanceTemplate(name, call), { deadline: options.deadline, ...call });
  } catch (error) {
    if (error instanceof GcpApiError && error.httpStatus === 404) return;
    throw toGceError(error, { action: `Deleting the instance template ${name}`, project: compute.project });
  }
}
