import type { Tags } from './armTypes';
import { loginOf, spotTerms, storageProfileOf, type AzureSpotVmSpec } from './azureVmRequest';

export type AzureSpotScaleSetSpec = Omit<AzureSpotVmSpec, 'networkInterfaceId' | 'identity' | 'tags'> & {
  readonly securityGroupId: string;
  readonly subnetId: string;
  readonly tags: Tags;
};

/** Azure's documented default for how long Try & Restore keeps trying to bring an evicted instance back. */
export const RESTORE_TIMEOUT = 'PT1H';

/**
 * A Flexible scale set of one Spot VM that Azure itself keeps at one: Try & Restore
 * (`spotRestorePolicy`) brings an evicted instance back when capacity returns, from the same model,
 * so the new VM boots with the same customData (host key, agent bootstrap) and identity, restores
 * the newest checkpoint and restarts the session with no editor open. Each instance gets a NIC and
 * a public IP of its own, deleted with it; the NSG admits SSH from the caller only. The set's
 * system-assigned identity is what the box's agent writes checkpoints with.
 */
export function buildSpotScaleSet(spec: AzureSpotScaleSetSpec): Record<string, unknown> {
  return {
    location: spec.location,
    tags: spec.tags,
    identity: { type: 'SystemAssigned' },
    sku: { name: spec.vmSize, capacity: 1 },
    properties: {
      orchestrationMode: 'Flexible',
      platformFaultDomainCount: 1,
      singlePlacementGroup: false,
      spotRestorePolicy: { enabled: true, restoreTimeout: RESTORE_TIMEOUT },
      virtualMachineProfile: {
        ...spotTerms(spec.maxPrice),
        // Instance names are the set's name and a suffix; the computer name only needs a prefix.
        osProfile: { computerNamePrefix: computerNamePrefixOf(spec.name), ...loginOf(spec) },
        storageProfile: storageProfileOf(spec),
        networkProfile: {
          networkApiVersion: '2020-11-01',
          networkInterfaceConfigurations: [
            {
              name: 'nic',
              properties: {
                primary: true,
                deleteOption: 'Delete',
                networkSecurityGroup: { id: spec.securityGroupId },
                ipConfigurations: [{ name: 'ipconfig', properties: { primary: true, subnet: { id: spec.subnetId }, publicIPAddressConfiguration: { name: 'pip', sku: { name: 'Standard' }, properties: { deleteOption: 'Delete' } } } }],
              },
            },
          ],
        },
        diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      },
    },
  };
}

/** Linux computer names are at most 64 characters; Flexible sets want a prefix of at most 9 so the name fits with the suffix Azure adds. */
function computerNamePrefixOf(name: string): string {
  return name.replace(/[^A-Za-z0-9-]/g, '').slice(0, 9).replace(/-+$/, '') || 'spotbox';
}
