import type { ArmHttp } from './armHttp';
import { listAll } from './armPaging';
import type { VirtualMachine, VirtualMachineScaleSet } from './armTypes';
import { COMPUTE_API_VERSION } from './armVirtualMachines';

/**
 * Flexible virtual machine scale sets: create (waiting for the operation), read, list, delete, and
 * the instances of one. A Flexible set's instances are VMs of their own; ARM lists them with the
 * group's VMs (the `virtualMachines` sub-collection is a Uniform set's), each naming its set.
 */
export class ScaleSetClient {
  constructor(private readonly http: ArmHttp, private readonly subscriptionId: string) {}

  path(resourceGroup: string, name: string): string {
    return `subscriptions/${this.subscriptionId}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Compute/virtualMachineScaleSets/${encodeURIComponent(name)}`;
  }

  /** PUTs the set and waits for its operation: resolves once its instances run, throws the operation's error (AllocationFailed…) otherwise. */
  async create(resourceGroup: string, name: string, body: unknown, signal?: AbortSignal): Promise<VirtualMachineScaleSet> {
    const path = this.path(resourceGroup, name);
    return (await this.http.longRunning<VirtualMachineScaleSet>({ method: 'PUT', path, apiVersion: COMPUTE_API_VERSION, json: body, ...(signal ? { signal } : {}) }, { path, apiVersion: COMPUTE_API_VERSION })) as VirtualMachineScaleSet;
  }

  async get(resourceGroup: string, name: string, signal?: AbortSignal): Promise<VirtualMachineScaleSet | undefined> {
    const response = await this.http.call<VirtualMachineScaleSet>({ method: 'GET', path: this.path(resourceGroup, name), apiVersion: COMPUTE_API_VERSION, accept: [404], ...(signal ? { signal } : {}) });
    return response.status === 404 ? undefined : response.body;
  }

  listAll(signal?: AbortSignal): Promise<VirtualMachineScaleSet[]> {
    return listAll<VirtualMachineScaleSet>(this.http, { path: `subscriptions/${this.subscriptionId}/providers/Microsoft.Compute/virtualMachineScaleSets`, apiVersion: COMPUTE_API_VERSION }, signal);
  }

  async delete(resourceGroup: string, name: string, signal?: AbortSignal): Promise<void> {
    await this.http.longRunning({ method: 'DELETE', path: this.path(resourceGroup, name), apiVersion: COMPUTE_API_VERSION, accept: [404], ...(signal ? { signal } : {}) });
  }

  /** The set's instances now, with their power states: the group's VMs that name this set. */
  async instances(resourceGroup: string, scaleSetId: string, signal?: AbortSignal): Promise<VirtualMachine[]> {
    const vms = await listAll<VirtualMachine>(this.http, { path: `subscriptions/${this.subscriptionId}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Compute/virtualMachines`, apiVersion: COMPUTE_API_VERSION, query: { statusOnly: 'true' } }, signal);
    return vms.filter((vm) => sameId(vm.properties.virtualMachineScaleSet?.id, scaleSetId));
  }
}

/** ARM ids compare without regard to case (ARM answers in the case it likes). */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
