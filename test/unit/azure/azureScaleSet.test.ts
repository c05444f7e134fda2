import * as assert from 'node:assert/strict';
import { buildAgentConfig } from '../../../src/core/agent/agentConfig';
import type { VirtualMachine, VirtualMachineScaleSet } from '../../../src/core/azure/armTypes';
import { boxFromAzureVm } from '../../../src/core/azure/azureBoxSource';
import { launchRecordFrom, scaleSetsById } from '../../../src/core/azure/azureLaunchRecord';
import { buildSpotScaleSet } from '../../../src/core/azure/azureScaleSetRequest';
import { boxTags, DEFAULT_AZURE_IMAGE, HOST_KEY_TAG, parseImageUrn } from '../../../src/core/azure/azureVmRequest';
import { SpotboxError } from '../../../src/core/errors';

const GROUP = '/subscriptions/sub-1/resourceGroups/spotbox-llama-ab12cd34-eastus';
const SET_ID = `${GROUP}/providers/Microsoft.Compute/virtualMachineScaleSets/llama-ab12cd34`;

interface ScaleSetBody {
  identity: unknown;
  sku: unknown;
  tags: Record<string, string>;
  properties: {
    orchestrationMode: string;
    spotRestorePolicy: unknown;
    virtualMachineProfile: {
      priority: string;
      evictionPolicy: string;
      billingProfile: unknown;
      osProfile: { computerNamePrefix: string; adminUsername: string; customData: string };
      networkProfile: { networkInterfaceConfigurations: Array<{ properties: { deleteOption: string; networkSecurityGroup: unknown; ipConfigurations: Array<{ properties: { subnet: unknown; publicIPAddressConfiguration: { properties: { deleteOption: string } } } }> } }> };
    };
  };
}

describe('Azure scale sets of one (a box Azure restores after an eviction)', () => {
  const tags = boxTags({ box: 'llama', owner: 'o-1', session: 's-1', sshUser: 'azureuser', workspaceDir: '~/ws', lineage: 'llama-1a2b', hostKey: 'ssh-ed25519 AAAAC3 host' });

  it('asks for a Flexible Spot set of one with Try & Restore, a system-assigned identity, and each instance\'s NIC and IP deleted with it', () => {
    const body = buildSpotScaleSet({ name: 'llama-ab12cd34', location: 'eastus', vmSize: 'Standard_NC4as_T4_v3', image: parseImageUrn(DEFAULT_AZURE_IMAGE)!, diskSizeGb: 64, adminUsername: 'azureuser', sshPublicKey: 'ssh-ed25519 KEY c', customData: '#cloud-config\n', maxPrice: -1, tags, securityGroupId: '/nsg', subnetId: '/subnet' }) as unknown as ScaleSetBody;
    assert.deepEqual(body.sku, { name: 'Standard_NC4as_T4_v3', capacity: 1 });
    assert.deepEqual(body.identity, { type: 'SystemAssigned' });
    assert.equal(body.properties.orchestrationMode, 'Flexible');
    assert.deepEqual(body.properties.spotRestorePolicy, { enabled: true, restoreTimeout: 'PT1H' });
    const model = body.properties.virtualMachineProfile;
    assert.deepEqual([model.priority, model.evictionPolicy, model.billingProfile], ['Spot', 'Delete', { maxPrice: -1 }]);
    assert.equal(Buffer.from(model.osProfile.customData, 'base64').toString('utf8'), '#cloud-config\n');
    assert.ok(model.osProfile.computerNamePrefix.length <= 9 && /^[A-Za-z0-9-]+$/.test(model.osProfile.computerNamePrefix), model.osProfile.computerNamePrefix);
    const nic = model.networkProfile.networkInterfaceConfigurations[0].properties;
    assert.equal(nic.deleteOption, 'Delete');
    assert.deepEqual(nic.networkSecurityGroup, { id: '/nsg' });
    assert.deepEqual(nic.ipConfigurations[0].properties.subnet, { id: '/subnet' });
    assert.equal(nic.ipConfigurations[0].properties.publicIPAddressConfiguration.properties.deleteOption, 'Delete');
    assert.equal(body.tags[HOST_KEY_TAG], 'ssh-ed25519 AAAAC3 host', 'the pinned host key rides on the set');
  });

  it('shows an instance with its set\'s tags and launch name (ARM does not copy a set\'s tags onto its instances)', () => {
    const set: VirtualMachineScaleSet = { id: SET_ID.toUpperCase(), name: 'llama-ab12cd34', location: 'eastus', tags, properties: {} };
    const vm: VirtualMachine = {
      id: `${GROUP}/providers/Microsoft.Compute/virtualMachines/llama-ab12cd34_3f2a9c1e`,
      name: 'llama-ab12cd34_3f2a9c1e',
      location: 'eastus',
      properties: { priority: 'Spot', hardwareProfile: { vmSize: 'Standard_NC4as_T4_v3' }, virtualMachineScaleSet: { id: SET_ID }, instanceView: { statuses: [{ code: 'PowerState/running' }] } },
    };
    const record = launchRecordFrom(vm, scaleSetsById([set]));
    assert.equal(record.launchName, 'llama-ab12cd34', 'the key file is named after the launch, not the instance');
    const box = boxFromAzureVm(vm, '20.1.2.3', undefined, record);
    assert.deepEqual([box.name, box.keyName, box.lineage, box.sshUser, box.state, box.lifecycle, box.publicIp], ['llama', 'llama-ab12cd34', 'llama-1a2b', 'azureuser', 'running', 'spot', '20.1.2.3']);
    const orphan = launchRecordFrom(vm, new Map());
    assert.deepEqual(orphan.tags, {}, 'an instance whose set is not listed is nobody\'s: not shown as a Spotbox box');
  });

  it('writes the agent\'s config for Blob storage: the container as its bucket, the endpoint ARM gave, and refuses what is not account/container', () => {
    const base = { sessionId: 'llama-1a2b', cloud: 'azure' as const, region: 'eastus', workspaceDir: '~/ws', checkpoint: { bucket: 'ckptacct/runs', prefix: 'p' } };
    const config = buildAgentConfig({ ...base, blobEndpoint: 'https://ckptacct.blob.core.windows.net/' });
    assert.deepEqual([config.cloud, config.bucket, config.container, config.blobEndpoint], ['azure', 'runs', 'runs', 'https://ckptacct.blob.core.windows.net/']);
    assert.throws(() => buildAgentConfig({ ...base, checkpoint: { bucket: 'runs', prefix: 'p' }, blobEndpoint: 'https://x' }), (error: unknown) => error instanceof SpotboxError && /Blob storage account\/container/.test(error.message));
    assert.throws(() => buildAgentConfig(base), /Blob endpoint/);
  });
});
