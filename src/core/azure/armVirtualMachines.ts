import type { ArmHttp } from './armHttp';
import { listAll } from './armPaging';
import type { VirtualMachine } from './armTypes';

export const COMPUTE_API_VERSION = '2024-07-01';

/** Virtual machines: create (waiting for the operation), read with their power state, list, delete, boot diagnostics. */
export class VirtualMachineClient {
  constructor(private readonly http: ArmHttp, private readonly subscriptionId: string) {}

  path(resourceGroup: string, name: string): string {
    return `subscriptions/${this.subscriptionId}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Compute/virtualMachines/${encodeURIComponent(name)}`;
  }

  /** PUTs the VM and waits for its operation: resolves once ARM has it running, throws the operation's error (AllocationFailed…) otherwise. */
  async create(resourceGroup: string, name: string, body: unknown, signal?: AbortSignal): Promise<VirtualMachine> {
    const path = this.path(resourceGroup, name);
    return (await this.http.longRunning<VirtualMachine>({ method: 'PUT', path, apiVersion: COMPUTE_API_VERSION, json: body, ...(signal ? { signal } : {}) }, { path, apiVersion: COMPUTE_API_VERSION })) as VirtualMachine;
  }

  async get(resourceGroup: string, name: string, signal?: AbortSignal): Promise<VirtualMachine | undefined> {
    const response = await this.http.call<VirtualMachine>({ method: 'GET', path: this.path(resourceGroup, name), apiVersion: COMPUTE_API_VERSION, query: { $expand: 'instanceView' }, accept: [404], ...(signal ? { signal } : {}) });
    return response.status === 404 ? undefined : response.body;
  }

  /** Every VM of the subscription (one call per page; power states need a get per VM, or `statusOnly`). */
  listAll(signal?: AbortSignal): Promise<VirtualMachine[]> {
    return listAll<VirtualMachine>(this.http, { path: `subscriptions/${this.subscriptionId}/providers/Microsoft.Compute/virtualMachines`, apiVersion: COMPUTE_API_VERSION, query: { statusOnly: 'true' } }, signal);
  }

  async delete(resourceGroup: string, name: string, signal?: AbortSignal): Promise<void> {
    await this.http.longRunning({ method: 'DELETE', path: this.path(resourceGroup, name), apiVersion: COMPUTE_API_VERSION, accept: [404], ...(signal ? { signal } : {}) });
  }

  /** The serial console log's URL (a SAS URL ARM hands out; fetched without the ARM token). */
  async serialConsoleLogUri(resourceGroup: string, name: string, signal?: AbortSignal): Promise<string | undefined> {
    const response = await this.http.call<{ serialConsoleLogBlobUri?: string }>({ method: 'POST', path: `${this.path(resourceGroup, name)}/retrieveBootDiagnosticsData`, apiVersion: COMPUTE_API_VERSION, query: { sasUriExpirationTimeInMinutes: '10' }, ...(signal ? { signal } : {}) });
    return response.body?.serialConsoleLogBlobUri;
  }
}

/** `PowerState/running` → 'running', from a VM's instance view. */
export function powerStateOf(vm: VirtualMachine): string | undefined {
  return vm.properties.instanceView?.statuses?.find((status) => status.code.startsWith('PowerState/'))?.code.slice('PowerState/'.length);
}
