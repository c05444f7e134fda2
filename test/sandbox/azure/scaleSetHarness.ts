/** What the scale set tests share: the network a scale set names (NSG, VNet) and its PUT body as Spotbox sends it. */
import * as assert from 'node:assert/strict';
import { LOCATION, type AzureTestContext } from './azureHarness';

export interface ScaleSetNetwork {
  readonly nsgId: string;
  readonly subnetId: string;
}

/** NSG `vmss-nsg` and VNet `vmss-vnet` (subnet default) in `group`. */
export async function createScaleSetNetwork(context: AzureTestContext, group: string): Promise<ScaleSetNetwork> {
  const base = `${context.subscriptionPath}/resourceGroups/${group}/providers/Microsoft.Network`;
  const put = async (pathTail: string, body: unknown): Promise<string> => {
    const reply = await context.arm('PUT', `${base}/${pathTail}?api-version=2024-05-01`, body);
    assert.ok(reply.status === 201 || reply.status === 200, reply.text);
    assert.equal((await context.waitForOperation(reply.headers['azure-asyncoperation'])).status, 'Succeeded');
    return String(reply.json.id);
  };
  const nsgId = await put('networkSecurityGroups/vmss-nsg', { location: LOCATION, properties: { securityRules: [{ name: 'ssh', properties: { priority: 1000, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '22', sourceAddressPrefix: '*', destinationAddressPrefix: '*' } }] } });
  const vnetId = await put('virtualNetworks/vmss-vnet', { location: LOCATION, properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 'default', properties: { addressPrefix: '10.0.0.0/24' } }] } });
  return { nsgId, subnetId: `${vnetId}/subnets/default` };
}

/** A Flexible Spot scale set of one with Try & Restore (api-version 2024-07-01's shape), as Spotbox creates it. */
export function scaleSetBody(network: ScaleSetNetwork, publicKey: string, extra: { customData?: string; priority?: string; spotRestore?: boolean; vmSize?: string; tags?: Record<string, string> } = {}): Record<string, unknown> {
  const spot = (extra.priority ?? 'Spot') === 'Spot';
  return {
    location: LOCATION,
    tags: extra.tags ?? {},
    identity: { type: 'SystemAssigned' },
    sku: { name: extra.vmSize ?? 'Standard_NC4as_T4_v3', capacity: 1 },
    properties: {
      orchestrationMode: 'Flexible',
      platformFaultDomainCount: 1,
      singlePlacementGroup: false,
      spotRestorePolicy: { enabled: extra.spotRestore ?? true, restoreTimeout: 'PT1H' },
      virtualMachineProfile: {
        priority: extra.priority ?? 'Spot',
        ...(spot ? { evictionPolicy: 'Delete', billingProfile: { maxPrice: -1 } } : {}),
        osProfile: {
          computerNamePrefix: 'sbx',
          adminUsername: 'azureuser',
          ...(extra.customData ? { customData: Buffer.from(extra.customData).toString('base64') } : {}),
          linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/azureuser/.ssh/authorized_keys', keyData: publicKey }] } },
        },
        storageProfile: {
          imageReference: { publisher: 'microsoft-dsvm', offer: 'ubuntu-hpc', sku: '2204', version: 'latest' },
          osDisk: { createOption: 'FromImage', diskSizeGB: 64, deleteOption: 'Delete', managedDisk: { storageAccountType: 'Premium_LRS' } },
        },
        networkProfile: {
          networkApiVersion: '2020-11-01',
          networkInterfaceConfigurations: [{
            name: 'nic',
            properties: {
              primary: true, deleteOption: 'Delete', networkSecurityGroup: { id: network.nsgId },
              ipConfigurations: [{ name: 'ipconfig', properties: { primary: true, subnet: { id: network.subnetId }, publicIPAddressConfiguration: { name: 'pip', sku: { name: 'Standard' }, properties: { deleteOption: 'Delete' } } } }],
            },
          }],
        },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      },
    },
  };
}
