/**
 * Microsoft.Network as far as a VM needs it: network security groups (securityRules), virtual
 * networks with subnets, public IP addresses and network interfaces. PUT answers 201 (200 when the
 * resource existed) with `Azure-AsyncOperation` and `provisioningState: Updating`, Succeeded a
 * moment later; DELETE answers 202 (204 when absent) and refuses what is still in use, with
 * Network's error codes. A public IP's `ipAddress` is the address of the running box whose VM has
 * the NIC it is attached to (the sandbox has no addresses of its own to hand out).
 */
import { ArmError, textOf } from './armError';
import type { AsyncOperations } from './asyncOperations';
import { newEtag, renderResource } from './renderResource';
import { idOf, type ArmResource, type ResourceStore } from './resourceStore';

export const NETWORK_TYPES: Record<string, string> = {
  networksecuritygroups: 'Microsoft.Network/networkSecurityGroups',
  virtualnetworks: 'Microsoft.Network/virtualNetworks',
  publicipaddresses: 'Microsoft.Network/publicIPAddresses',
  networkinterfaces: 'Microsoft.Network/networkInterfaces',
};

const PROVISIONING_DELAY_MS = 300;

export interface NetworkContext {
  readonly store: ResourceStore;
  readonly operations: AsyncOperations;
  /** The box address behind a public IP, when its VM runs. */
  publicAddressOf(publicIpId: string): string | undefined;
  /** The VM a NIC is attached to. */
  vmOfNic(nicId: string): string | undefined;
}

export class Network {
  private nextPrivateHost = 4;

  constructor(private readonly c: NetworkContext) {}

  put(group: string, type: string, name: string, body: Record<string, unknown>, apiVersion: string): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
    this.c.store.requireGroup(group);
    const location = typeof body.location === 'string' ? body.location.toLowerCase() : undefined;
    if (!location) {
      throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
    }
    const id = this.c.store.resourceId(group, type, name);
    const existing = this.c.store.get(id);
    const input = (typeof body.properties === 'object' && body.properties !== null ? body.properties : {}) as Record<string, unknown>;
    const properties = this.normalize(type, id, input, existing);
    const resource: ArmResource = {
      id: existing?.id ?? id,
      name: existing?.name ?? name,
      type,
      resourceGroup: existing?.resourceGroup ?? this.c.store.requireGroup(group).name,
      location,
      tags: tagsOf(body.tags),
      properties: { ...properties, provisioningState: 'Updating' },
      sku: type === NETWORK_TYPES.publicipaddresses ? skuOf(body.sku) : undefined,
      etag: newEtag(),
    };
    this.c.store.put(resource);
    const operation = this.c.operations.start('Microsoft.Network', location, apiVersion);
    setTimeout(() => {
      resource.properties.provisioningState = 'Succeeded';
      this.c.operations.succeed(operation);
    }, PROVISIONING_DELAY_MS).unref();
    return { status: existing ? 200 : 201, body: this.render(resource), headers: this.c.operations.headers(operation, false, 1) };
  }

  delete(group: string, type: string, name: string, apiVersion: string): { status: number; headers: Record<string, string> } {
    this.c.store.requireGroup(group);
    const resource = this.c.store.find(group, type, name);
    if (!resource) {
      return { status: 204, headers: {} };
    }
    this.refuseInUse(resource);
    this.c.store.remove(resource.id);
    const operation = this.c.operations.start('Microsoft.Network', resource.location, apiVersion);
    this.c.operations.succeed(operation);
    return { status: 202, headers: this.c.operations.headers(operation, true, 1) };
  }

  render(resource: ArmResource): Record<string, unknown> {
    if (resource.type === NETWORK_TYPES.publicipaddresses) {
      const address = this.c.publicAddressOf(resource.id);
      const nic = this.c.store.referrers(resource.id).find((item) => item.type === NETWORK_TYPES.networkinterfaces);
      return renderResource(resource, {
        ...(address ? { ipAddress: address } : {}),
        ...(nic ? { ipConfiguration: { id: `${nic.id}/ipConfigurations/${ipConfigurationName(nic, resource.id)}` } } : {}),
      });
    }
    if (resource.type === NETWORK_TYPES.networkinterfaces) {
      const vm = this.c.vmOfNic(resource.id);
      return renderResource(resource, vm ? { virtualMachine: { id: vm }, primary: true } : {});
    }
    return renderResource(resource);
  }

  private normalize(type: string, id: string, input: Record<string, unknown>, existing: ArmResource | undefined): Record<string, unknown> {
    switch (type) {
      case NETWORK_TYPES.networksecuritygroups:
        return { ...input, securityRules: arrayOf(input.securityRules).map((rule) => securityRule(id, rule)) };
      case NETWORK_TYPES.virtualnetworks: {
        const prefixes = (input.addressSpace as { addressPrefixes?: unknown } | undefined)?.addressPrefixes;
        if (!Array.isArray(prefixes) || prefixes.length === 0) {
          throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request. addressSpace.addressPrefixes is required.');
        }
        return {
          ...input,
          subnets: arrayOf(input.subnets).map((subnet) => {
            const subnetName = textOf(subnet.name);
            if (!subnetName) {
              throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request. A subnet needs a name.');
            }
            return { name: subnetName, id: `${id}/subnets/${subnetName}`, properties: { ...(subnet.properties as object), provisioningState: 'Succeeded' }, type: 'Microsoft.Network/virtualNetworks/subnets' };
          }),
        };
      }
      case NETWORK_TYPES.publicipaddresses:
        return { publicIPAddressVersion: 'IPv4', publicIPAllocationMethod: 'Static', idleTimeoutInMinutes: 4, ipTags: [], ...input, resourceGuid: existing?.properties.resourceGuid ?? crypto.randomUUID() };
      case NETWORK_TYPES.networkinterfaces: {
        const configurations = arrayOf(input.ipConfigurations);
        if (configurations.length === 0) {
          throw new ArmError(400, 'NetworkInterfaceMustHaveAtLeastOneIpConfiguration', `Network interface ${id} must have one or more IP configurations.`);
        }
        const nsg = idOf(input.networkSecurityGroup);
        if (nsg) {
          this.requireReference(nsg, id);
        }
        return {
          ...input,
          resourceGuid: existing?.properties.resourceGuid ?? crypto.randomUUID(),
          ipConfigurations: configurations.map((configuration, index) => {
            const properties = (configuration.properties ?? {}) as Record<string, unknown>;
            const subnet = idOf(properties.subnet);
            if (!subnet) {
              throw new ArmError(400, 'InvalidRequestFormat', `Cannot parse the request. IP configuration ${String(configuration.name)} of ${id} needs a subnet.`);
            }
            this.requireReference(subnet, id);
            const publicIp = idOf(properties.publicIPAddress);
            if (publicIp) {
              this.requireReference(publicIp, id);
              const other = this.c.store.referrers(publicIp).find((item) => item.type === NETWORK_TYPES.networkinterfaces && item.id.toLowerCase() !== id.toLowerCase());
              if (other) {
                throw new ArmError(400, 'PublicIPAddressInUse', `Resource ${publicIp} is already in use by ${other.id}.`);
              }
            }
            const name = textOf(configuration.name) || `ipconfig${index + 1}`;
            return {
              name,
              id: `${id}/ipConfigurations/${name}`,
              type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
              properties: {
                privateIPAllocationMethod: 'Dynamic',
                privateIPAddressVersion: 'IPv4',
                primary: index === 0,
                ...properties,
                privateIPAddress: this.privateAddress(existing, name),
                provisioningState: 'Succeeded',
              },
            };
          }),
        };
      }
      default:
        return input;
    }
  }

  /** Network's answer to a reference to nothing (400 InvalidResourceReference). */
  requireReference(referenced: string, by: string): void {
    const parts = referenced.split('/');
    const subnetIndex = parts.findIndex((part) => part.toLowerCase() === 'subnets');
    const parentId = subnetIndex > 0 ? parts.slice(0, subnetIndex).join('/') : referenced;
    const parent = this.c.store.get(parentId);
    const found = parent && (subnetIndex < 0 || arrayOf(parent.properties.subnets).some((subnet) => String(subnet.name).toLowerCase() === parts[subnetIndex + 1]?.toLowerCase()));
    if (!found) {
      throw new ArmError(400, 'InvalidResourceReference', `Resource ${referenced} referenced by resource ${by} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`);
    }
  }

  private refuseInUse(resource: ArmResource): void {
    const users = this.c.store.referrers(resource.id).concat(this.c.store.list().filter((item) => item.id !== resource.id && JSON.stringify(item.properties).toLowerCase().includes(`"${resource.id.toLowerCase()}/`)));
    const user = users[0];
    if (resource.type === NETWORK_TYPES.networkinterfaces) {
      const vm = this.c.vmOfNic(resource.id);
      if (vm) {
        throw new ArmError(400, 'NicInUse', `Network Interface ${resource.id} is used by existing resource ${vm}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.`);
      }
      return;
    }
    if (!user) {
      return;
    }
    const code = resource.type === NETWORK_TYPES.publicipaddresses ? 'PublicIPAddressCannotBeDeleted'
      : resource.type === NETWORK_TYPES.networksecuritygroups ? 'InUseNetworkSecurityGroupCannotBeDeleted' : 'InUseSubnetCannotBeDeleted';
    throw new ArmError(400, code, `${resource.type.split('/')[1]} ${resource.id} is in use by ${user.id} and cannot be deleted.`);
  }

  private privateAddress(existing: ArmResource | undefined, configuration: string): string {
    const previous = arrayOf(existing?.properties.ipConfigurations).find((item) => item.name === configuration);
    const kept = (previous?.properties as { privateIPAddress?: string } | undefined)?.privateIPAddress;
    return kept ?? `10.0.0.${this.nextPrivateHost++ % 250}`;
  }
}

function ipConfigurationName(nic: ArmResource, publicIp: string): string {
  const found = arrayOf(nic.properties.ipConfigurations).find((item) => idOf((item.properties as Record<string, unknown>).publicIPAddress)?.toLowerCase() === publicIp.toLowerCase());
  return textOf(found?.name) || 'ipconfig1';
}

function securityRule(nsgId: string, rule: Record<string, unknown>): Record<string, unknown> {
  const name = textOf(rule.name);
  const properties = (rule.properties ?? {}) as Record<string, unknown>;
  const priority = Number(properties.priority);
  if (!name) {
    throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request. A security rule needs a name.');
  }
  if (!Number.isInteger(priority) || priority < 100 || priority > 4096) {
    throw new ArmError(400, 'SecurityRuleInvalidPriority', `Security rule ${name} has invalid priority ${String(properties.priority)}. Value provided: ${String(properties.priority)} Allowed range 100-4096.`);
  }
  for (const field of ['direction', 'access', 'protocol']) {
    if (typeof properties[field] !== 'string') {
      throw new ArmError(400, 'SecurityRuleParameterContainsUnsupportedValue', `Security rule parameter ${field} for rule with Id ${nsgId}/securityRules/${name} cannot be empty.`);
    }
  }
  return { name, id: `${nsgId}/securityRules/${name}`, type: 'Microsoft.Network/networkSecurityGroups/securityRules', properties: { ...properties, provisioningState: 'Succeeded' } };
}

function arrayOf(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null) : [];
}

export function tagsOf(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) {
    return {};
  }
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, String(item)]));
}

function skuOf(value: unknown): Record<string, unknown> {
  const sku = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return { name: typeof sku.name === 'string' ? sku.name : 'Standard', tier: typeof sku.tier === 'string' ? sku.tier : 'Regional' };
}
