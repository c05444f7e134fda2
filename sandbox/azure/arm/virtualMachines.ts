/**
 * Microsoft.Compute/virtualMachines: PUT boots a real box through the box host (201 with
 * `Azure-AsyncOperation`, the operation InProgress until the box's sshd is up), GET (with
 * `$expand=instanceView`) and `/instanceView`, DELETE (async; the box is terminated, NICs and disks
 * with deleteOption Delete go with it), `simulateEviction`, `retrieveBootDiagnosticsData`.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { AzureMetadataView, BoxSpec, EventSink, PowerControlledBoxHost } from '../../contract';
import { STORAGE_AUDIENCE, type EntraTokens } from '../auth/entraTokens';
import { ArmError, textOf } from './armError';
import type { AsyncOperation, AsyncOperations } from './asyncOperations';
import type { AzureFaults } from './faults';
import { tagsOf } from './network';
import { newEtag, renderResource } from './renderResource';
import type { ArmResource, ResourceStore } from './resourceStore';
import { SpotEvictions } from './spotEviction';
import { parseVmRequest, type VmRequest } from './vmRequest';
import { renderInstanceView } from './vmInstanceView';
import { vmSize } from './vmSizes';
import type { VmState } from './vmState';

export const VM_TYPE = 'Microsoft.Compute/virtualMachines';

/** A VM as the state file keeps it (its size by name; no timers, operations or events). */
export interface SavedVm extends Omit<VmState, 'request' | 'timers' | 'operation' | 'scheduledEvents'> {
  readonly request: Omit<VmRequest, 'size'> & { readonly sizeName: string };
}

export interface VmCreateExtras {
  /** The allocation fault the create ends with (the caller took it from the faults). */
  readonly failure?: ArmError;
  /** A scale set's identity, which its instances use (the VM resource then has none of its own). */
  readonly principalId?: string;
}

/** What a scale set hears about its instances (VMs whose `virtualMachineScaleSet.id` names it). */
export interface ScaleSetInstanceHooks {
  /** The instance's create ended: running, or failed with `error`. */
  settled(scaleSetId: string, error?: ArmError): void;
  /** The instance is gone: evicted (Spot, evictionPolicy Delete) or deleted. */
  gone(scaleSetId: string, evicted: boolean): void;
}

export interface VirtualMachinesOptions {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly store: ResourceStore;
  readonly operations: AsyncOperations;
  readonly faults: AzureFaults;
  readonly boxHost: PowerControlledBoxHost;
  readonly events: EventSink;
  readonly tokens: EntraTokens;
  readonly bootDelayMs: () => number;
  /** Environment of every box (Blob endpoint, CA bundle …). */
  readonly boxEnvironment: Readonly<Record<string, string>>;
  readonly evictionNoticeMs: number;
  /** `Retry-After` of a VM PUT; Compute answers 10. */
  readonly retryAfterSeconds: number;
}

export class VirtualMachines {
  private readonly vms = new Map<string, VmState>();
  private readonly evictions: SpotEvictions;
  private readonly consoleKey = randomBytes(32);
  /** Set when the server knows its URL: boot diagnostics links point there. */
  baseUrl = '';
  /** Set by the scale sets. */
  scaleSetHooks?: ScaleSetInstanceHooks;

  constructor(private readonly o: VirtualMachinesOptions) {
    this.evictions = new SpotEvictions({
      boxHost: o.boxHost,
      events: o.events,
      noticeMs: o.evictionNoticeMs,
      now: Date.now,
      describe: (vm) => this.describe(vm),
      evicted: (vm) => {
        if (vm.request.evictionPolicy === 'Delete') {
          this.forget(vm, false);
        } else {
          vm.power = 'deallocated';
          vm.address = undefined;
          vm.scheduledEvents = [];
          vm.documentIncarnation += 1;
        }
      },
    });
  }

  put(group: string, name: string, body: Record<string, unknown>, apiVersion: string): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
    const groupRecord = this.o.store.requireGroup(group);
    const id = this.o.store.resourceId(groupRecord.name, VM_TYPE, name);
    const existing = this.o.store.get(id);
    if (existing) {
      // Only tags change in place here; Spotbox replaces a VM rather than resizing it.
      existing.tags = tagsOf(body.tags);
      existing.etag = newEtag();
      const operation = this.o.operations.start('Microsoft.Compute', existing.location, apiVersion);
      this.o.operations.succeed(operation);
      return { status: 200, body: this.render(existing, false), headers: this.o.operations.headers(operation, false, this.o.retryAfterSeconds) };
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
      throw new ArmError(400, 'InvalidParameter', `The supplied VM name '${name}' is not valid.`, 'computerName');
    }
    const request = parseVmRequest(body, this.o.store);
    for (const nicId of request.nicIds) {
      const user = this.vmOfNic(nicId);
      if (user) {
        throw new ArmError(400, 'NicInUse', `Network Interface ${nicId} is used by existing resource ${user}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.`);
      }
    }
    this.checkCreate(request);
    const { resource, operation } = this.create(groupRecord.name, name, body, request, apiVersion, { failure: this.o.faults.allocationFailure(request.size, request.location) });
    return { status: 201, body: this.render(resource, false), headers: this.o.operations.headers(operation, false, this.o.retryAfterSeconds) };
  }

  /** What a create is refused with before anything is made: quota, SkuNotAvailable, a maxPrice below the Spot price. */
  checkCreate(request: Omit<VmRequest, 'nicIds'>): void {
    const vCpusInUse = [...this.vms.values()].filter((vm) => vm.request.size.family === request.size.family).reduce((sum, vm) => sum + vm.request.size.vCpus, 0);
    this.o.faults.checkCreate(request.size, request.location, vCpusInUse);
    const spotPrice = this.o.faults.spotPrice(request.size);
    if (request.priority === 'Spot' && request.maxPrice !== undefined && request.maxPrice !== -1 && request.maxPrice < spotPrice) {
      throw new ArmError(409, 'SpotPriceGreaterThanProvidedMaxPrice', `Unable to perform operation 'Create VM' since the provided max price '${request.maxPrice} USD' is lower than the current spot price '${spotPrice} USD' for Azure Spot VM size '${request.size.name}'. For more information, see http://aka.ms/AzureSpot/errormessages.`);
    }
  }

  /**
   * A checked VM PUT made real: the resource, its operation, and the box booting (or, with
   * `failure`, the operation failing with that allocation fault half a second later).
   * A scale set's instances come this way, with the scale set's identity.
   */
  create(group: string, name: string, body: Record<string, unknown>, request: VmRequest, apiVersion: string, extras: VmCreateExtras = {}): { resource: ArmResource; operation: AsyncOperation } {
    const id = this.o.store.resourceId(group, VM_TYPE, name);
    const vmId = randomUUID();
    const properties = body.properties as Record<string, unknown>;
    const storageProfile = properties.storageProfile as Record<string, unknown>;
    const osDisk = (storageProfile.osDisk ?? {}) as Record<string, unknown>;
    const osProfile = { ...(properties.osProfile as Record<string, unknown>) };
    delete osProfile.customData;
    delete osProfile.adminPassword;
    const resource: ArmResource = {
      id,
      name,
      type: VM_TYPE,
      resourceGroup: group,
      location: request.location,
      tags: tagsOf(body.tags),
      etag: newEtag(),
      ...(request.systemAssignedIdentity && !extras.principalId ? { identity: { type: 'SystemAssigned', principalId: randomUUID(), tenantId: this.o.tenantId } } : {}),
      properties: {
        ...properties,
        vmId,
        osProfile: { computerName: name, allowExtensionOperations: true, requireGuestProvisionSignal: true, secrets: [], ...osProfile },
        storageProfile: {
          ...storageProfile,
          imageReference: { ...(storageProfile.imageReference as object), exactVersion: '22.04.202411190' },
          osDisk: {
            osType: 'Linux', name: `${name}_OsDisk_1_${vmId.replace(/-/g, '')}`, createOption: 'FromImage', caching: 'ReadWrite', deleteOption: 'Detach', diskSizeGB: 30,
            ...osDisk,
            managedDisk: { storageAccountType: 'Premium_LRS', ...(osDisk.managedDisk as object), id: `${this.o.store.groupId(group)}/providers/Microsoft.Compute/disks/${name}_OsDisk_1_${vmId.replace(/-/g, '')}` },
          },
          dataDisks: [],
        },
        timeCreated: new Date().toISOString(),
      },
    };
    this.o.store.put(resource);
    const operation = this.o.operations.start('Microsoft.Compute', request.location, apiVersion, this.o.retryAfterSeconds);
    const vm: VmState = {
      resourceId: id, vmId, boxId: `azvm-${vmId}`, request, principalId: extras.principalId ?? resource.identity?.principalId as string | undefined, timeCreated: String(resource.properties.timeCreated),
      provisioning: 'Creating', power: 'starting', operation, documentIncarnation: 1, scheduledEvents: [], timers: [], evicting: false,
    };
    this.vms.set(id.toLowerCase(), vm);
    this.o.events.record('azure-vm-created', { ...this.describe(vm), vmSize: request.size.name, priority: request.priority, evictionPolicy: request.evictionPolicy, maxPrice: request.maxPrice });
    const failure = extras.failure;
    if (failure) {
      vm.timers.push(setTimeout(() => {
        vm.provisioning = 'Failed';
        vm.power = 'stopped';
        this.settle(vm, failure);
        this.o.events.record('azure-fault', { ...this.describe(vm), code: failure.code });
      }, 500));
    } else {
      void this.boot(vm, resource).catch((error: unknown) => {
        vm.provisioning = 'Failed';
        this.settle(vm, new ArmError(200, 'InternalExecutionError', `The box did not boot: ${String(error)}`));
      });
    }
    return { resource, operation };
  }

  get(group: string, name: string, expandInstanceView: boolean): Record<string, unknown> {
    return this.render(this.o.store.require(group, VM_TYPE, name), expandInstanceView);
  }

  instanceView(group: string, name: string): Record<string, unknown> {
    const resource = this.o.store.require(group, VM_TYPE, name);
    return renderInstanceView(resource, this.vms.get(resource.id.toLowerCase()));
  }

  list(group?: string, withInstanceView = false): Record<string, unknown>[] {
    if (group) {
      this.o.store.requireGroup(group);
    }
    return this.o.store.list({ group, type: VM_TYPE }).map((resource) => this.render(resource, withInstanceView));
  }

  delete(group: string, name: string, apiVersion: string): { status: number; headers: Record<string, string> } {
    this.o.store.requireGroup(group);
    const resource = this.o.store.find(group, VM_TYPE, name);
    const vm = resource ? this.vms.get(resource.id.toLowerCase()) : undefined;
    if (!resource || !vm) {
      return { status: 204, headers: {} };
    }
    const operation = this.o.operations.start('Microsoft.Compute', resource.location, apiVersion);
    vm.provisioning = 'Deleting';
    void this.o.boxHost.terminate(vm.boxId).catch(() => undefined).finally(() => {
      this.forget(vm, true);
      this.o.operations.succeed(operation);
    });
    return { status: 202, headers: this.o.operations.headers(operation, true, this.o.retryAfterSeconds) };
  }

  /** Deletes every VM of a group (resource-group deletion): boxes terminated. */
  async deleteAllIn(group: string): Promise<void> {
    const doomed = [...this.vms.values()].filter((vm) => this.o.store.get(vm.resourceId)?.resourceGroup.toLowerCase() === group.toLowerCase());
    await Promise.all(doomed.map(async (vm) => {
      await this.o.boxHost.terminate(vm.boxId).catch(() => undefined);
      this.forget(vm, true);
    }));
  }

  simulateEviction(group: string, name: string): void {
    const resource = this.o.store.require(group, VM_TYPE, name);
    const vm = this.vms.get(resource.id.toLowerCase())!;
    if (vm.request.priority === 'Regular') {
      throw new ArmError(409, 'OperationNotAllowed', 'Simulate eviction is only supported for Spot virtual machines.');
    }
    this.evictions.schedule(vm);
  }

  /** Control API: the sandbox's own eviction of a Spot VM (in `group`, or the only VM of that name). */
  evict(group: string | undefined, name: string): { vm: string; resourceGroup: string; eventId: string; notBefore: string } {
    const found = [...this.vms.values()].filter((vm) => {
      const resource = this.o.store.get(vm.resourceId);
      return resource && resource.name.toLowerCase() === name.toLowerCase() && (!group || resource.resourceGroup.toLowerCase() === group.toLowerCase());
    });
    if (found.length === 0) {
      throw new Error(`unknown instance: VM ${name}${group ? ` in resource group ${group}` : ''}`);
    }
    if (found.length > 1) {
      throw new Error(`invalid: ${found.length} VMs are named ${name}; give the resource group`);
    }
    const resource = this.o.store.get(found[0].resourceId)!;
    return { vm: resource.name, resourceGroup: resource.resourceGroup, ...this.evictions.schedule(found[0]) };
  }

  retrieveBootDiagnosticsData(group: string, name: string, expiresInMinutes: number): Record<string, unknown> {
    const resource = this.o.store.require(group, VM_TYPE, name);
    const vm = this.vms.get(resource.id.toLowerCase())!;
    const expiry = new Date(Date.now() + expiresInMinutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const query = `sv=2022-11-02&st=${encodeURIComponent(vm.timeCreated.replace(/\.\d+Z$/, 'Z'))}&se=${encodeURIComponent(expiry)}&sr=b&sp=r&sig=${encodeURIComponent(this.consoleSignature(vm.vmId, expiry))}`;
    return {
      consoleScreenshotBlobUri: `${this.baseUrl}/bootdiagnostics/${vm.vmId}/${name}.${vm.vmId}.screenshot.bmp?${query}`,
      serialConsoleLogBlobUri: `${this.baseUrl}/bootdiagnostics/${vm.vmId}/${name}.${vm.vmId}.serialconsole.log?${query}`,
    };
  }

  /** The serial log behind a boot diagnostics link, when its signature and expiry hold. */
  serialConsole(vmId: string, query: URLSearchParams): string | undefined {
    const expiry = query.get('se') ?? '';
    const vm = [...this.vms.values()].find((item) => item.vmId === vmId);
    if (!vm || query.get('sig') !== this.consoleSignature(vmId, expiry) || !(Date.parse(expiry) > Date.now())) {
      return undefined;
    }
    return this.o.boxHost.consoleOutput(vm.boxId);
  }

  vmOfNic(nicId: string): string | undefined {
    for (const vm of this.vms.values()) {
      if (vm.request.nicIds.some((id) => id.toLowerCase() === nicId.toLowerCase())) {
        return this.o.store.get(vm.resourceId)?.id;
      }
    }
    return undefined;
  }

  /** The running box's address behind a public IP (through its NIC and VM). */
  publicAddressOf(publicIpId: string): string | undefined {
    const nic = this.o.store.referrers(publicIpId).find((item) => item.type === 'Microsoft.Network/networkInterfaces');
    const vmId = nic ? this.vmOfNic(nic.id) : undefined;
    const vm = vmId ? this.vms.get(vmId.toLowerCase()) : undefined;
    return vm && vm.power === 'running' ? vm.address?.ip : undefined;
  }

  saved(): SavedVm[] {
    return [...this.vms.values()].map((vm) => ({
      resourceId: vm.resourceId, vmId: vm.vmId, boxId: vm.boxId, principalId: vm.principalId, timeCreated: vm.timeCreated, provisioning: vm.provisioning,
      power: vm.power, address: vm.address, documentIncarnation: vm.documentIncarnation, evicting: vm.evicting,
      request: { ...vm.request, size: undefined, sizeName: vm.request.size.name },
    }));
  }

  /**
   * A restarted sandbox: VMs that ran boot their boxes again at their old addresses; a VM whose
   * eviction had begun is evicted now; one still creating fails (its operation is gone).
   */
  restore(saved: readonly SavedVm[]): void {
    for (const item of saved) {
      const size = vmSize(item.request.sizeName);
      const resource = this.o.store.get(item.resourceId);
      if (!size || !resource) {
        continue;
      }
      const vm: VmState = { ...item, request: { ...item.request, size }, timers: [], scheduledEvents: [], operation: undefined };
      this.vms.set(item.resourceId.toLowerCase(), vm);
      if (vm.evicting) {
        if (vm.request.evictionPolicy === 'Delete') {
          this.forget(vm, false);
        } else {
          vm.evicting = false;
          vm.power = 'deallocated';
          vm.address = undefined;
        }
      } else if (vm.provisioning === 'Creating') {
        vm.provisioning = 'Failed';
        vm.power = 'stopped';
      } else if (vm.provisioning === 'Deleting') {
        this.forget(vm, true);
      } else if (vm.power === 'running' || vm.power === 'starting') {
        vm.power = 'starting';
        void this.boot(vm, resource).catch(() => {
          vm.power = 'stopped';
        });
      }
    }
  }

  snapshot(): Array<Record<string, unknown>> {
    return [...this.vms.values()].map((vm) => ({ ...this.describe(vm), provisioningState: vm.provisioning, powerState: vm.power, address: vm.address, scheduledEvents: vm.scheduledEvents }));
  }

  stop(): void {
    for (const vm of this.vms.values()) {
      vm.timers.forEach(clearTimeout);
    }
  }

  private async boot(vm: VmState, resource: ArmResource): Promise<void> {
    const spec: BoxSpec = {
      instanceId: vm.boxId,
      region: vm.request.location,
      availabilityZone: vm.request.location,
      instanceType: vm.request.size.name,
      lifecycle: vm.request.priority === 'Regular' ? 'on-demand' : 'spot',
      amiId: vm.request.imageUrn,
      loginUser: vm.request.adminUsername,
      authorizedKey: vm.request.publicKeys.length ? vm.request.publicKeys.join('\n') : undefined,
      userDataBase64: vm.request.customDataBase64,
      httpTokens: 'optional',
      bootDelayMs: this.o.bootDelayMs(),
      environment: this.o.boxEnvironment,
      previousAddress: vm.address,
      azure: {
        subscriptionId: this.o.subscriptionId,
        resourceGroup: resource.resourceGroup,
        vmName: resource.name,
        computerName: textOf((resource.properties.osProfile as { computerName?: string } | undefined)?.computerName) || undefined,
        vmScaleSetName: scaleSetOf(resource)?.split('/').pop(),
        vmId: vm.vmId,
        location: vm.request.location,
        vmSize: vm.request.size.name,
        priority: vm.request.priority,
        evictionPolicy: vm.request.evictionPolicy,
        maxPrice: vm.request.maxPrice,
        customDataBase64: vm.request.customDataBase64,
        tags: resource.tags,
        identity: vm.principalId ? { principalId: vm.principalId, tenantId: this.o.tenantId } : undefined,
      },
    };
    vm.address = await this.o.boxHost.boot(spec, () => ({ azure: this.metadataView(vm) }), {
      onSshReady: () => {
        if (vm.provisioning === 'Creating' || (vm.provisioning === 'Succeeded' && vm.power === 'starting')) {
          vm.provisioning = 'Succeeded';
          vm.power = 'running';
          this.settle(vm);
          this.o.events.record('azure-vm-running', { ...this.describe(vm), ip: vm.address?.ip, sshPort: vm.address?.sshPort });
        }
      },
      onBoxExited: (_id, reason) => {
        if (vm.provisioning === 'Creating' && vm.operation) {
          vm.provisioning = 'Failed';
          this.settle(vm, new ArmError(200, 'VMAgentStatusCommunicationError', `The VM did not start: ${reason}`));
        }
        if (!vm.evicting) {
          vm.power = 'stopped';
        }
      },
      onScheduledEventsStarted: (_id, eventIds) => this.evictions.acknowledge(vm, eventIds),
    });
  }

  private metadataView(vm: VmState): AzureMetadataView {
    return {
      scheduledEvents: { DocumentIncarnation: vm.documentIncarnation, Events: vm.scheduledEvents },
      managedIdentityToken: vm.principalId ? (resource: string) => this.identityToken(vm, resource) : undefined,
    };
  }

  /** What IMDS's /metadata/identity/oauth2/token gives the VM `name` (undefined without a system-assigned identity). */
  managedIdentityToken(group: string, name: string, resource: string): ReturnType<NonNullable<AzureMetadataView['managedIdentityToken']>> {
    const found = this.o.store.find(group, VM_TYPE, name);
    const vm = found ? this.vms.get(found.id.toLowerCase()) : undefined;
    return vm?.principalId ? this.identityToken(vm, resource) : undefined;
  }

  private identityToken(vm: VmState, resource: string): { access_token: string; expires_on: string; expires_in: string; resource: string; token_type: 'Bearer' } {
    // IMDS's answer: expires_* as strings, the resource as asked; the token's aud is the resource.
    const { token, claims } = this.o.tokens.issue(resource.replace(/\/$/, '') === STORAGE_AUDIENCE ? STORAGE_AUDIENCE : resource, { objectId: vm.principalId! });
    return { access_token: token, expires_on: String(claims.exp), expires_in: String(claims.exp - Math.floor(Date.now() / 1000)), resource, token_type: 'Bearer' };
  }

  /** The VM's create ended (its operation and, for a scale set's instance, the scale set hear it). */
  private settle(vm: VmState, error?: ArmError): void {
    if (vm.operation) {
      if (error) {
        this.o.operations.fail(vm.operation, error);
      } else {
        this.o.operations.succeed(vm.operation);
      }
    }
    const scaleSetId = scaleSetOf(this.o.store.get(vm.resourceId));
    if (scaleSetId) {
      this.scaleSetHooks?.settled(scaleSetId, error);
    }
  }

  private forget(vm: VmState, deleted: boolean): void {
    vm.timers.forEach(clearTimeout);
    const resource = this.o.store.get(vm.resourceId);
    this.vms.delete(vm.resourceId.toLowerCase());
    if (resource) {
      this.o.store.remove(resource.id);
      // NICs created with deleteOption Delete go with the VM, as on Azure.
      const nics = ((resource.properties.networkProfile as { networkInterfaces?: Array<{ id?: string; properties?: { deleteOption?: string } }> } | undefined)?.networkInterfaces ?? []);
      for (const nic of nics) {
        if (nic.id && nic.properties?.deleteOption === 'Delete') {
          this.removeNic(nic.id);
        }
      }
    }
    this.o.events.record('azure-vm-deleted', { ...this.describe(vm), evicted: !deleted });
    const scaleSetId = scaleSetOf(resource);
    if (scaleSetId) {
      this.scaleSetHooks?.gone(scaleSetId, !deleted);
    }
  }

  /** A NIC, and the public IPs its IP configurations mark `deleteOption: Delete` (as a scale set makes them). */
  private removeNic(nicId: string): void {
    const nic = this.o.store.get(nicId);
    this.o.store.remove(nicId);
    for (const configuration of (nic?.properties.ipConfigurations ?? []) as Array<{ properties?: { publicIPAddress?: { id?: string; properties?: { deleteOption?: string } } } }>) {
      const publicIp = configuration.properties?.publicIPAddress;
      if (publicIp?.id && publicIp.properties?.deleteOption === 'Delete') {
        this.o.store.remove(publicIp.id);
      }
    }
  }

  private describe(vm: VmState): Record<string, unknown> {
    const resource = this.o.store.get(vm.resourceId);
    return { vm: vm.resourceId.split('/').pop(), resourceGroup: resource?.resourceGroup ?? vm.resourceId.split('/')[4], vmId: vm.vmId, boxId: vm.boxId };
  }

  private render(resource: ArmResource, withInstanceView: boolean): Record<string, unknown> {
    const vm = this.vms.get(resource.id.toLowerCase());
    return renderResource(resource, {
      provisioningState: vm?.provisioning ?? 'Succeeded',
      ...(withInstanceView ? { instanceView: renderInstanceView(resource, this.vms.get(resource.id.toLowerCase())) } : {}),
    });
  }

  private consoleSignature(vmId: string, expiry: string): string {
    return createHmac('sha256', this.consoleKey).update(`${vmId}\n${expiry}`).digest('base64');
  }
}

/** The scale set a VM resource is an instance of. */
export function scaleSetOf(resource: ArmResource | undefined): string | undefined {
  return (resource?.properties.virtualMachineScaleSet as { id?: string } | undefined)?.id;
}
