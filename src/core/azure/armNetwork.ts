import type { ArmHttp } from './armHttp';
import { listAll } from './armPaging';
import type { NetworkInterface, NetworkSecurityGroup, PublicIpAddress, SecurityRule, Tags, VirtualNetwork } from './armTypes';

export const NETWORK_API_VERSION = '2024-05-01';

/** The network a box needs, in its own resource group: an NSG, a virtual network, a public IP and a NIC. */
export class NetworkClient {
  constructor(private readonly http: ArmHttp, private readonly subscriptionId: string) {}

  path(resourceGroup: string, type: string, name: string): string {
    return `subscriptions/${this.subscriptionId}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Network/${type}/${encodeURIComponent(name)}`;
  }

  private async put<T>(resourceGroup: string, type: string, name: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const path = this.path(resourceGroup, type, name);
    const created = await this.http.longRunning<T>({ method: 'PUT', path, apiVersion: NETWORK_API_VERSION, json: body, ...(signal ? { signal } : {}) }, { path, apiVersion: NETWORK_API_VERSION });
    return created as T;
  }

  putSecurityGroup(resourceGroup: string, name: string, location: string, rules: readonly SecurityRule[], tags: Tags, signal?: AbortSignal): Promise<NetworkSecurityGroup> {
    return this.put(resourceGroup, 'networkSecurityGroups', name, { location, tags, properties: { securityRules: rules } }, signal);
  }

  putVirtualNetwork(resourceGroup: string, name: string, location: string, addressPrefix: string, subnet: { name: string; addressPrefix: string; securityGroupId: string }, tags: Tags, signal?: AbortSignal): Promise<VirtualNetwork> {
    return this.put(resourceGroup, 'virtualNetworks', name, {
      location,
      tags,
      properties: { addressSpace: { addressPrefixes: [addressPrefix] }, subnets: [{ name: subnet.name, properties: { addressPrefix: subnet.addressPrefix, networkSecurityGroup: { id: subnet.securityGroupId } } }] },
    }, signal);
  }

  putPublicIp(resourceGroup: string, name: string, location: string, tags: Tags, signal?: AbortSignal): Promise<PublicIpAddress> {
    return this.put(resourceGroup, 'publicIPAddresses', name, { location, tags, sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' } }, signal);
  }

  putNetworkInterface(resourceGroup: string, name: string, location: string, subnetId: string, publicIpId: string, securityGroupId: string, tags: Tags, signal?: AbortSignal): Promise<NetworkInterface> {
    return this.put(resourceGroup, 'networkInterfaces', name, {
      location,
      tags,
      properties: {
        networkSecurityGroup: { id: securityGroupId },
        ipConfigurations: [{ name: 'ipconfig1', properties: { subnet: { id: subnetId }, publicIPAddress: { id: publicIpId }, privateIPAllocationMethod: 'Dynamic' } }],
      },
    }, signal);
  }

  async getPublicIp(resourceGroup: string, name: string, signal?: AbortSignal): Promise<PublicIpAddress | undefined> {
    const response = await this.http.call<PublicIpAddress>({ method: 'GET', path: this.path(resourceGroup, 'publicIPAddresses', name), apiVersion: NETWORK_API_VERSION, accept: [404], ...(signal ? { signal } : {}) });
    return response.status === 404 ? undefined : response.body;
  }

  /** A network resource by the id ARM gave (a VM's NIC, a NIC's public IP); undefined when gone. */
  async getById<T extends NetworkInterface | PublicIpAddress>(id: string, signal?: AbortSignal): Promise<T | undefined> {
    const response = await this.http.call<T>({ method: 'GET', path: id.replace(/^\/+/, ''), apiVersion: NETWORK_API_VERSION, accept: [404], ...(signal ? { signal } : {}) });
    return response.status === 404 ? undefined : response.body;
  }

  /** Every NIC of the subscription: which public IP is which VM's. */
  listNetworkInterfaces(signal?: AbortSignal): Promise<NetworkInterface[]> {
    return listAll<NetworkInterface>(this.http, { path: `subscriptions/${this.subscriptionId}/providers/Microsoft.Network/networkInterfaces`, apiVersion: NETWORK_API_VERSION }, signal);
  }

  /** Every public IP of the subscription, to give each listed VM its address in one call. */
  listPublicIps(signal?: AbortSignal): Promise<PublicIpAddress[]> {
    return listAll<PublicIpAddress>(this.http, { path: `subscriptions/${this.subscriptionId}/providers/Microsoft.Network/publicIPAddresses`, apiVersion: NETWORK_API_VERSION }, signal);
  }

  async getSecurityGroup(resourceGroup: string, name: string, signal?: AbortSignal): Promise<NetworkSecurityGroup | undefined> {
    const response = await this.http.call<NetworkSecurityGroup>({ method: 'GET', path: this.path(resourceGroup, 'networkSecurityGroups', name), apiVersion: NETWORK_API_VERSION, accept: [404], ...(signal ? { signal } : {}) });
    return response.status === 404 ? undefined : response.body;
  }
}

/** The one inbound rule a box gets: SSH from the caller's address only. */
export function sshFromCallerRule(callerIp: string): SecurityRule {
  return {
    name: 'ssh-from-caller',
    properties: {
      priority: 100,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      sourceAddressPrefix: `${callerIp}/32`,
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRange: '22',
      description: 'Spotbox: SSH from the address that launched this box',
    },
  };
}
