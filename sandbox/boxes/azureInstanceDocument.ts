/**
 * The document Azure's IMDS answers at /metadata/instance (api-version 2021-02-01 shape): the
 * `compute` and `network` trees, spelled as IMDS spells them (string numbers, `tags` as one
 * "k:v;k2:v2" string beside `tagsList`), and the path walk that `/metadata/instance/compute/vmId`
 * and `?format=text` use.
 */
import type { BoxSpec } from '../contract';

export type InstanceNode = string | boolean | number | InstanceNode[] | { [name: string]: InstanceNode };

export interface AzureInstanceIdentity {
  readonly spec: BoxSpec;
  readonly ip: string;
  readonly hostname: string;
}

/** `Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest` -> its four parts; other ids give empty ones, as a custom image does. */
function imageReference(urn: string): { publisher: string; offer: string; sku: string; version: string } {
  const parts = urn.split(':');
  return parts.length === 4 ? { publisher: parts[0], offer: parts[1], sku: parts[2], version: parts[3] } : { publisher: '', offer: '', sku: '', version: '' };
}

/** A locally administered MAC from the IP, as IMDS prints it (12 hex digits, no separators). */
function macOf(ip: string): string {
  return ['00', '0d', '3a', ...ip.split('.').slice(1).map((n) => Number(n).toString(16).padStart(2, '0'))].join('').toUpperCase();
}

export function azureInstanceDocument(identity: AzureInstanceIdentity): { [name: string]: InstanceNode } {
  const { spec, ip } = identity;
  const azure = spec.azure;
  if (!azure) {
    throw new Error('not an Azure box');
  }
  const image = imageReference(spec.amiId);
  const tags = Object.entries(azure.tags).sort(([a], [b]) => a.localeCompare(b));
  const resourceId = `/subscriptions/${azure.subscriptionId}/resourceGroups/${azure.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${azure.vmName}`;
  return {
    compute: {
      azEnvironment: 'AzurePublicCloud',
      customData: '',
      evictionPolicy: azure.priority === 'Regular' ? '' : (azure.evictionPolicy ?? 'Deallocate'),
      isHostCompatibilityLayerVm: 'false',
      licenseType: '',
      location: azure.location,
      name: azure.vmName,
      offer: image.offer,
      osProfile: { adminUsername: spec.loginUser, computerName: azure.computerName ?? azure.vmName, disablePasswordAuthentication: 'true' },
      osType: 'Linux',
      placementGroupId: '',
      plan: { name: '', product: '', publisher: '' },
      platformFaultDomain: '0',
      platformUpdateDomain: '0',
      priority: azure.priority === 'Regular' ? '' : azure.priority,
      provider: 'Microsoft.Compute',
      publicKeys: spec.authorizedKey ? [{ keyData: spec.authorizedKey.trim(), path: `/home/${spec.loginUser}/.ssh/authorized_keys` }] : [],
      publisher: image.publisher,
      resourceGroupName: azure.resourceGroup,
      resourceId,
      securityProfile: { secureBootEnabled: 'false', virtualTpmEnabled: 'false' },
      sku: image.sku,
      subscriptionId: azure.subscriptionId,
      tags: tags.map(([k, v]) => `${k}:${v}`).join(';'),
      tagsList: tags.map(([name, value]) => ({ name, value })),
      userData: '',
      version: image.version,
      vmId: azure.vmId,
      vmScaleSetName: azure.vmScaleSetName ?? '',
      vmSize: azure.vmSize,
      zone: '',
    },
    network: {
      interface: [
        {
          ipv4: { ipAddress: [{ privateIpAddress: ip, publicIpAddress: ip }], subnet: [{ address: '127.0.0.0', prefix: '8' }] },
          ipv6: { ipAddress: [] },
          macAddress: macOf(ip),
        },
      ],
    },
  };
}

/** Walks `compute/osProfile/adminUsername` or `network/interface/0/ipv4/...`; undefined when absent. */
export function walkInstance(root: InstanceNode, path: readonly string[]): InstanceNode | undefined {
  let node: InstanceNode | undefined = root;
  for (const segment of path) {
    if (Array.isArray(node)) {
      node = /^\d+$/.test(segment) ? node[Number(segment)] : undefined;
    } else if (node !== null && typeof node === 'object') {
      node = Object.prototype.hasOwnProperty.call(node, segment) ? node[segment] : undefined;
    } else {
      return undefined;
    }
    if (node === undefined) {
      return undefined;
    }
  }
  return node;
}
