/**
 * Microsoft.Compute/virtualMachineScaleSets with Flexible orchestration, as Spotbox uses it: a Spot
 * scale set of one whose `spotRestorePolicy` (Azure's "Try & Restore") brings an evicted instance
 * back. Each instance is a real Microsoft.Compute/virtualMachines resource in the scale set's group
 * (so VM GET/list, IMDS, Scheduled Events and eviction work on it unchanged), named
 * `<scaleSet>_<8 hex>`, with `virtualMachineScaleSet.id`, a NIC `<vm>-<nic configuration name>` and
 * a Standard Static public IP `<vm>-<public IP configuration name>` that go with it
 * (deleteOption Delete). Instances get no tags (Spotbox must not rely on tag propagation) and use
 * the scale set's system-assigned identity.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventSink } from '../../contract';
import { ArmError, textOf } from './armError';
import type { AsyncOperation, AsyncOperations } from './asyncOperations';
import type { AzureFaults } from './faults';
import { NETWORK_TYPES, tagsOf, type Network } from './network';
import { newEtag, renderResource } from './renderResource';
import type { Reply } from './resourceGroups';
import { idOf, type ArmResource, type ResourceStore } from './resourceStore';
import { scaleSetOf, VM_TYPE, type VirtualMachines } from './virtualMachines';
import { object, parseVmProfile, parseVmRequest, type VmRequest } from './vmRequest';

export const SCALE_SET_TYPE = 'Microsoft.Compute/virtualMachineScaleSets';

/**
 * From an eviction to the restore's first try, and between tries. Azure documents no figure for
 * Try & Restore; a restore is a fresh Spot allocation that waits for capacity to come back, so the
 * sandbox waits a minute rather than replacing an instance the moment it went. Tests pass less.
 */
export const DEFAULT_SPOT_RESTORE_DELAY_MS = 60_000;

const MAX_CAPACITY = 1000;

export interface ScaleSetsContext {
  readonly tenantId: string;
  readonly store: ResourceStore;
  readonly operations: AsyncOperations;
  readonly faults: AzureFaults;
  readonly vms: VirtualMachines;
  readonly network: Network;
  readonly events: EventSink;
  readonly retryAfterSeconds: number;
  readonly restoreDelayMs?: number;
}

/** The operation under way on a scale set, and the instance creates/deletes it waits for. */
interface Pending {
  readonly operation: AsyncOperation;
  count: number;
  error?: ArmError;
}

interface Restore {
  readonly since: number;
  timer?: NodeJS.Timeout;
}

export class VirtualMachineScaleSets {
  /** The restore delay (control API: `POST /azure/scale-sets/restore-delay`). */
  restoreDelayMs: number;
  private readonly pending = new Map<string, Pending>();
  private readonly restores = new Map<string, Restore>();

  constructor(private readonly c: ScaleSetsContext) {
    this.restoreDelayMs = c.restoreDelayMs ?? DEFAULT_SPOT_RESTORE_DELAY_MS;
    c.vms.scaleSetHooks = {
      settled: (id, error) => this.instanceDone(id, error),
      gone: (id, evicted) => (evicted ? this.scheduleRestore(id) : this.instanceDone(id)),
    };
  }

  put(group: string, name: string, body: Record<string, unknown>, apiVersion: string): Reply {
    const groupRecord = this.c.store.requireGroup(group);
    const existing = this.c.store.find(group, SCALE_SET_TYPE, name);
    if (existing) {
      // The model stays; tags and capacity change in place, as a PATCH does.
      return this.patch(group, name, { tags: body.tags, sku: body.sku }, apiVersion);
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || /[._-]$/.test(name)) {
      throw ArmError.invalidParameter(`The supplied scale set name '${name}' is not valid.`, 'name');
    }
    const model = parseScaleSet(body);
    for (const reference of model.references) {
      this.c.network.requireReference(reference, this.c.store.resourceId(groupRecord.name, SCALE_SET_TYPE, name));
    }
    if (model.capacity > 0) {
      this.c.vms.checkCreate(model.request);
    }
    const id = this.c.store.resourceId(groupRecord.name, SCALE_SET_TYPE, name);
    const properties = object(body.properties);
    const shownProfile = structuredClone(object(properties.virtualMachineProfile));
    delete object(shownProfile.osProfile).customData;
    const resource: ArmResource = {
      id,
      name,
      type: SCALE_SET_TYPE,
      resourceGroup: groupRecord.name,
      location: model.request.location,
      tags: tagsOf(body.tags),
      etag: newEtag(),
      sku: { name: model.request.size.name, tier: 'Standard', capacity: model.capacity },
      identity: model.request.systemAssignedIdentity ? { type: 'SystemAssigned', principalId: randomUUID(), tenantId: this.c.tenantId } : { type: 'None' },
      properties: {
        ...properties,
        singlePlacementGroup: false,
        orchestrationMode: 'Flexible',
        spotRestorePolicy: model.spotRestore,
        virtualMachineProfile: shownProfile,
        uniqueId: randomUUID(),
        timeCreated: new Date().toISOString(),
        provisioningState: 'Creating',
      },
      model: { virtualMachineProfile: object(properties.virtualMachineProfile) },
    };
    this.c.store.put(resource);
    this.c.events.record('azure-vmss-created', { scaleSet: name, resourceGroup: groupRecord.name, capacity: model.capacity, spotRestore: model.spotRestore.enabled });
    const operation = this.begin(resource, apiVersion, model.capacity);
    for (let index = 0; index < model.capacity; index += 1) {
      this.createInstance(resource, apiVersion, this.c.faults.allocationFailure(model.request.size, model.request.location));
    }
    return { status: 201, body: renderResource(resource), headers: this.c.operations.headers(operation, false, this.c.retryAfterSeconds) };
  }

  /** PATCH: tags and `sku.capacity` (scale out creates instances, scale in deletes the newest). */
  patch(group: string, name: string, body: Record<string, unknown>, apiVersion: string): Reply {
    const resource = this.c.store.require(group, SCALE_SET_TYPE, name);
    if (resource.properties.provisioningState === 'Deleting') {
      throw new ArmError(409, 'OperationNotAllowed', `The scale set '${name}' is being deleted.`);
    }
    if (body.tags !== undefined) {
      resource.tags = tagsOf(body.tags);
    }
    const wanted = object(body.sku).capacity;
    const instances = this.instances(resource);
    let changes: Array<() => void> = [];
    if (wanted !== undefined) {
      const capacity = parseCapacity(wanted);
      resource.sku = { ...resource.sku, capacity };
      if (capacity > instances.length) {
        const request = requestOf(resource);
        this.c.vms.checkCreate(request);
        changes = Array.from({ length: capacity - instances.length }, () => () => this.createInstance(resource, apiVersion, this.c.faults.allocationFailure(request.size, request.location)));
      } else {
        const newestFirst = [...instances].sort((a, b) => String(b.properties.timeCreated).localeCompare(String(a.properties.timeCreated)));
        changes = newestFirst.slice(0, instances.length - capacity).map((vm) => () => void this.c.vms.delete(vm.resourceGroup, vm.name, apiVersion));
      }
    }
    resource.etag = newEtag();
    resource.properties.provisioningState = 'Updating';
    const operation = this.begin(resource, apiVersion, changes.length);
    changes.forEach((change) => change());
    return { status: 200, body: renderResource(resource), headers: this.c.operations.headers(operation, false, this.c.retryAfterSeconds) };
  }

  get(group: string, name: string): Record<string, unknown> {
    return renderResource(this.c.store.require(group, SCALE_SET_TYPE, name));
  }

  list(group?: string): Record<string, unknown>[] {
    if (group) {
      this.c.store.requireGroup(group);
    }
    return this.c.store.list({ group, type: SCALE_SET_TYPE }).map((resource) => renderResource(resource));
  }

  /** 202 + Azure-AsyncOperation + Location; its instances (and their NICs and IPs) go first. Role assignments stay, as on Azure. */
  delete(group: string, name: string, apiVersion: string): Reply {
    this.c.store.requireGroup(group);
    const resource = this.c.store.find(group, SCALE_SET_TYPE, name);
    if (!resource) {
      return { status: 204 };
    }
    this.cancelRestore(resource.id);
    resource.properties.provisioningState = 'Deleting';
    const instances = this.instances(resource);
    const operation = this.begin(resource, apiVersion, instances.length);
    for (const vm of instances) {
      this.c.vms.delete(vm.resourceGroup, vm.name, apiVersion);
    }
    return { status: 202, headers: this.c.operations.headers(operation, true, this.c.retryAfterSeconds) };
  }

  /** Resource-group deletion: no restore may start; the VMs and resources go with the group. */
  deleteAllIn(group: string): void {
    for (const resource of this.c.store.list({ group, type: SCALE_SET_TYPE })) {
      this.cancelRestore(resource.id);
      resource.properties.provisioningState = 'Deleting';
    }
  }

  /** After a sandbox restart: a Try & Restore scale set short of its capacity restores again. */
  resume(): void {
    for (const resource of this.c.store.list({ type: SCALE_SET_TYPE })) {
      if (resource.properties.provisioningState === 'Deleting') {
        this.c.store.remove(resource.id);
      } else if (['Creating', 'Updating'].includes(String(resource.properties.provisioningState))) {
        resource.properties.provisioningState = 'Failed';
      }
      if (this.c.store.get(resource.id)) {
        this.scheduleRestore(resource.id);
      }
    }
  }

  stop(): void {
    for (const restore of this.restores.values()) {
      clearTimeout(restore.timer);
    }
  }

  snapshot(): Array<Record<string, unknown>> {
    return this.c.store.list({ type: SCALE_SET_TYPE }).map((resource) => ({
      scaleSet: resource.name, resourceGroup: resource.resourceGroup, capacity: resource.sku?.capacity, provisioningState: resource.properties.provisioningState,
      instances: this.instances(resource).map((vm) => vm.name), restoring: this.restores.has(resource.id.toLowerCase()),
    }));
  }

  private begin(resource: ArmResource, apiVersion: string, count: number): AsyncOperation {
    const operation = this.c.operations.start('Microsoft.Compute', resource.location, apiVersion, this.c.retryAfterSeconds);
    const pending: Pending = { operation, count };
    this.pending.set(resource.id.toLowerCase(), pending);
    if (count === 0) {
      setTimeout(() => this.finish(resource.id, pending), 100).unref();
    }
    return operation;
  }

  /** An instance create or delete of the scale set's current operation ended. */
  private instanceDone(scaleSetId: string, error?: ArmError): void {
    const pending = this.pending.get(scaleSetId.toLowerCase());
    if (!pending || pending.count === 0) {
      return;
    }
    pending.count -= 1;
    pending.error ??= error;
    if (pending.count === 0) {
      this.finish(scaleSetId, pending);
    }
  }

  private finish(scaleSetId: string, pending: Pending): void {
    if (this.pending.get(scaleSetId.toLowerCase()) !== pending) {
      return;
    }
    this.pending.delete(scaleSetId.toLowerCase());
    const resource = this.c.store.get(scaleSetId);
    if (resource?.properties.provisioningState === 'Deleting') {
      this.c.store.remove(resource.id);
      this.c.events.record('azure-vmss-deleted', { scaleSet: resource.name, resourceGroup: resource.resourceGroup });
    } else if (resource) {
      resource.properties.provisioningState = pending.error ? 'Failed' : 'Succeeded';
    }
    if (pending.error) {
      this.c.operations.fail(pending.operation, pending.error);
    } else {
      this.c.operations.succeed(pending.operation);
    }
  }

  /** A new instance from the scale set's model: its public IP, NIC, then the VM (failing with `failure`, if given). */
  private createInstance(scaleSet: ArmResource, apiVersion: string, failure?: ArmError): void {
    const profile = object(scaleSet.model?.virtualMachineProfile);
    const group = scaleSet.resourceGroup;
    const vmName = `${scaleSet.name}_${randomBytes(4).toString('hex')}`;
    const osProfile = { ...object(profile.osProfile) };
    const computerName = `${textOf(osProfile.computerNamePrefix)}${randomBytes(6).toString('base64url').replace(/[^a-z0-9]/gi, '0').toLowerCase().slice(0, 6)}`;
    delete osProfile.computerNamePrefix;
    const networkInterfaces = nicConfigurations(profile).map((configuration) => {
      const nicProperties = object(configuration.properties);
      const ipConfigurations = arrayOf(nicProperties.ipConfigurations).map((ipConfiguration) => {
        const ipProperties = { ...object(ipConfiguration.properties) };
        const publicIpConfiguration = object(ipProperties.publicIPAddressConfiguration);
        delete ipProperties.publicIPAddressConfiguration;
        if (publicIpConfiguration.name !== undefined) {
          const publicIpName = `${vmName}-${textOf(publicIpConfiguration.name)}`;
          const publicIpProperties = object(publicIpConfiguration.properties);
          this.c.network.put(group, NETWORK_TYPES.publicipaddresses, publicIpName, {
            location: scaleSet.location, sku: publicIpConfiguration.sku ?? { name: 'Standard' },
            properties: { publicIPAllocationMethod: 'Static', idleTimeoutInMinutes: publicIpProperties.idleTimeoutInMinutes ?? 4 },
          }, apiVersion);
          ipProperties.publicIPAddress = { id: this.c.store.resourceId(group, NETWORK_TYPES.publicipaddresses, publicIpName), properties: { deleteOption: publicIpProperties.deleteOption ?? 'Detach' } };
        }
        return { name: ipConfiguration.name, properties: ipProperties };
      });
      const nicName = `${vmName}-${textOf(configuration.name)}`;
      this.c.network.put(group, NETWORK_TYPES.networkinterfaces, nicName, {
        location: scaleSet.location,
        properties: { ...(nicProperties.networkSecurityGroup ? { networkSecurityGroup: nicProperties.networkSecurityGroup } : {}), ipConfigurations },
      }, apiVersion);
      return { id: this.c.store.resourceId(group, NETWORK_TYPES.networkinterfaces, nicName), properties: { primary: nicProperties.primary ?? true, deleteOption: nicProperties.deleteOption ?? 'Detach' } };
    });
    const vmBody = {
      location: scaleSet.location,
      properties: {
        hardwareProfile: { vmSize: scaleSet.sku?.name },
        priority: profile.priority,
        evictionPolicy: profile.evictionPolicy,
        billingProfile: profile.billingProfile,
        osProfile: { ...osProfile, computerName },
        storageProfile: profile.storageProfile,
        networkProfile: { networkInterfaces },
        ...(profile.diagnosticsProfile ? { diagnosticsProfile: profile.diagnosticsProfile } : {}),
        virtualMachineScaleSet: { id: scaleSet.id },
      },
    };
    const request = parseVmRequest(vmBody, this.c.store);
    const principalId = textOf(scaleSet.identity?.principalId) || undefined;
    this.c.vms.create(group, vmName, vmBody, request, apiVersion, { failure, principalId });
  }

  /** Try & Restore: with `spotRestorePolicy.enabled`, a scale set short of its capacity gets instances again after the delay. */
  private scheduleRestore(scaleSetId: string): void {
    const resource = this.c.store.get(scaleSetId);
    const policy = object(resource?.properties.spotRestorePolicy);
    if (!resource || policy.enabled !== true || resource.properties.provisioningState === 'Deleting') {
      return;
    }
    const key = resource.id.toLowerCase();
    const restore = this.restores.get(key) ?? { since: Date.now() };
    this.restores.set(key, restore);
    if (!restore.timer) {
      restore.timer = setTimeout(() => {
        restore.timer = undefined;
        this.tryRestore(resource, restore);
      }, this.restoreDelayMs);
      restore.timer.unref();
    }
  }

  private tryRestore(resource: ArmResource, restore: Restore): void {
    const key = resource.id.toLowerCase();
    const missing = Number(resource.sku?.capacity ?? 0) - this.instances(resource).length;
    if (!this.c.store.get(resource.id) || missing <= 0) {
      this.restores.delete(key);
      return;
    }
    const timeoutMs = durationMs(textOf(object(resource.properties.spotRestorePolicy).restoreTimeout) || 'PT1H') ?? 3_600_000;
    if (Date.now() - restore.since > timeoutMs) {
      this.restores.delete(key);
      this.c.events.record('azure-vmss-restore-timed-out', { scaleSet: resource.name, resourceGroup: resource.resourceGroup });
      return;
    }
    const request = requestOf(resource);
    let refusal: ArmError | undefined;
    try {
      this.c.vms.checkCreate(request);
    } catch (error) {
      refusal = error instanceof ArmError ? error : new ArmError(500, 'InternalServerError', String(error));
    }
    refusal ??= this.c.faults.allocationFailure(request.size, request.location);
    if (refusal) {
      this.c.events.record('azure-vmss-restore-retry', { scaleSet: resource.name, resourceGroup: resource.resourceGroup, code: refusal.code });
      this.scheduleRestore(resource.id);
      return;
    }
    this.restores.delete(key);
    for (let index = 0; index < missing; index += 1) {
      this.createInstance(resource, '2024-07-01');
    }
    this.c.events.record('azure-vmss-restored', { scaleSet: resource.name, resourceGroup: resource.resourceGroup, instances: missing });
  }

  private cancelRestore(scaleSetId: string): void {
    clearTimeout(this.restores.get(scaleSetId.toLowerCase())?.timer);
    this.restores.delete(scaleSetId.toLowerCase());
  }

  private instances(scaleSet: ArmResource): ArmResource[] {
    return this.c.store.list({ group: scaleSet.resourceGroup, type: VM_TYPE }).filter((vm) => scaleSetOf(vm)?.toLowerCase() === scaleSet.id.toLowerCase());
  }
}

interface ScaleSetModel {
  readonly request: Omit<VmRequest, 'nicIds'>;
  readonly capacity: number;
  readonly spotRestore: { enabled: boolean; restoreTimeout?: string };
  /** Subnets and network security groups the NIC configurations name. */
  readonly references: string[];
}

/** A scale set PUT body checked as ARM checks it (the VM profile with the VM's own checks). */
function parseScaleSet(body: Record<string, unknown>): ScaleSetModel {
  const properties = object(body.properties);
  const sku = object(body.sku);
  const profile = object(properties.virtualMachineProfile);
  if (properties.orchestrationMode !== 'Flexible') {
    throw ArmError.invalidParameter(`The sandbox serves scale sets with orchestrationMode 'Flexible' only (got '${textOf(properties.orchestrationMode)}').`, 'orchestrationMode');
  }
  const faultDomains = properties.platformFaultDomainCount;
  if (faultDomains === undefined || faultDomains === null) {
    throw ArmError.invalidParameter("Required parameter 'platformFaultDomainCount' is missing (null).", 'platformFaultDomainCount');
  }
  if (!Number.isInteger(faultDomains) || Number(faultDomains) < 1 || Number(faultDomains) > 3) {
    throw ArmError.invalidParameter(`The value ${textOf(faultDomains)} of parameter 'platformFaultDomainCount' is not valid. Allowed values are 1, 2 and 3.`, 'platformFaultDomainCount');
  }
  if (properties.singlePlacementGroup === true) {
    throw ArmError.invalidParameter('singlePlacementGroup cannot be true for a scale set with Flexible orchestration mode.', 'singlePlacementGroup');
  }
  const request = parseVmProfile({ location: body.location, identity: body.identity, properties: { ...profile, hardwareProfile: { vmSize: sku.name } } });
  const capacity = parseCapacity(sku.capacity ?? 0);
  const osProfile = object(profile.osProfile);
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,57}$/.test(textOf(osProfile.computerNamePrefix))) {
    throw ArmError.invalidParameter(`The value '${textOf(osProfile.computerNamePrefix)}' of parameter 'computerNamePrefix' is not valid: 1 to 58 letters, digits or hyphens, starting with a letter or digit.`, 'osProfile.computerNamePrefix');
  }
  const network = object(profile.networkProfile);
  if (!network.networkApiVersion) {
    throw ArmError.invalidParameter("Required parameter 'networkApiVersion' is missing (null): Flexible orchestration mode needs it.", 'networkProfile.networkApiVersion');
  }
  const configurations = nicConfigurations(profile);
  if (configurations.length === 0) {
    throw ArmError.invalidParameter("Required parameter 'networkInterfaceConfigurations' is missing (null).", 'networkProfile.networkInterfaceConfigurations');
  }
  const references: string[] = [];
  for (const configuration of configurations) {
    const nicProperties = object(configuration.properties);
    const ipConfigurations = arrayOf(nicProperties.ipConfigurations);
    if (!textOf(configuration.name) || ipConfigurations.length === 0) {
      throw ArmError.invalidParameter('A network interface configuration needs a name and at least one IP configuration.', 'networkProfile.networkInterfaceConfigurations');
    }
    const nsg = idOf(nicProperties.networkSecurityGroup);
    if (nsg) {
      references.push(nsg);
    }
    for (const ipConfiguration of ipConfigurations) {
      const subnet = idOf(object(ipConfiguration.properties).subnet);
      if (!subnet) {
        throw ArmError.invalidParameter(`IP configuration '${textOf(ipConfiguration.name)}' needs a subnet.`, 'networkProfile.networkInterfaceConfigurations.ipConfigurations.subnet');
      }
      references.push(subnet);
    }
  }
  const policy = object(properties.spotRestorePolicy);
  const enabled = policy.enabled === true;
  if (enabled && request.priority !== 'Spot') {
    throw ArmError.invalidParameter('Spot restore policy can be enabled only on a scale set whose virtual machine profile has priority Spot.', 'spotRestorePolicy');
  }
  if (policy.restoreTimeout !== undefined && durationMs(textOf(policy.restoreTimeout)) === undefined) {
    throw ArmError.invalidParameter(`The value '${textOf(policy.restoreTimeout)}' of parameter 'restoreTimeout' is not an ISO 8601 duration (e.g. PT1H).`, 'spotRestorePolicy.restoreTimeout');
  }
  return { request, capacity, spotRestore: { enabled, ...(enabled ? { restoreTimeout: textOf(policy.restoreTimeout) || 'PT1H' } : {}) }, references };
}

function parseCapacity(value: unknown): number {
  const capacity = Number(value);
  if (!Number.isInteger(capacity) || capacity < 0 || capacity > MAX_CAPACITY) {
    throw ArmError.invalidParameter(`The value ${textOf(value)} of parameter 'sku.capacity' is not valid: 0 to ${MAX_CAPACITY} instances.`, 'sku.capacity');
  }
  return capacity;
}

/** A kept scale set's VM profile, as an instance's create request (its NICs not yet made). */
function requestOf(resource: ArmResource): VmRequest {
  const profile = object(resource.model?.virtualMachineProfile);
  return { ...parseVmProfile({ location: resource.location, identity: resource.identity, properties: { ...profile, hardwareProfile: { vmSize: resource.sku?.name } } }), nicIds: [] };
}

function nicConfigurations(profile: Record<string, unknown>): Array<Record<string, unknown>> {
  return arrayOf(object(profile.networkProfile).networkInterfaceConfigurations);
}

function arrayOf(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

/** An ISO 8601 duration (PnDTnHnMnS) in milliseconds; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) {
    return undefined;
  }
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  return (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
}
