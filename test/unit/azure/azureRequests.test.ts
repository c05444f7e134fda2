import * as assert from 'node:assert/strict';
import { parseResourceId } from '../../../src/core/azure/armResourceId';
import type { VirtualMachine } from '../../../src/core/azure/armTypes';
import { boxFromAzureVm } from '../../../src/core/azure/azureBoxSource';
import { buildAzureCloudConfig } from '../../../src/core/azure/azureCloudConfig';
import { boxTags, buildSpotVm, parseImageUrn, DEFAULT_AZURE_IMAGE, HOST_KEY_TAG } from '../../../src/core/azure/azureVmRequest';

interface SpotVmBody {
  identity?: unknown;
  tags: Record<string, string>;
  properties: {
    priority: string;
    evictionPolicy: string;
    billingProfile: unknown;
    diagnosticsProfile: unknown;
    osProfile: { customData: string; linuxConfiguration: { disablePasswordAuthentication: boolean; ssh: { publicKeys: unknown } } };
  };
}

const VM_ID = '/subscriptions/sub-1/resourceGroups/spotbox-llama-ab12cd34-eastus/providers/Microsoft.Compute/virtualMachines/llama-ab12cd34';

describe('Azure requests and boxes', () => {
  it('builds a Spot VM that is deleted on eviction, guarded by maxPrice, password login off, with boot diagnostics', () => {
    const tags = boxTags({ box: 'llama', owner: 'o-1', session: 's-1', sshUser: 'azureuser', workspaceDir: '~/ws', hostKey: 'ssh-ed25519 AAAA' });
    const body = buildSpotVm({ name: 'llama-ab12cd34', location: 'eastus', vmSize: 'Standard_NC4as_T4_v3', image: parseImageUrn(DEFAULT_AZURE_IMAGE)!, diskSizeGb: 128, adminUsername: 'azureuser', sshPublicKey: 'ssh-ed25519 KEY c\n', customData: '#cloud-config\n', networkInterfaceId: '/nic', maxPrice: 0.5, tags, identity: true }) as unknown as SpotVmBody;
    assert.equal(body.properties.priority, 'Spot');
    assert.equal(body.properties.evictionPolicy, 'Delete');
    assert.deepEqual(body.properties.billingProfile, { maxPrice: 0.5 });
    assert.equal(body.properties.osProfile.linuxConfiguration.disablePasswordAuthentication, true);
    assert.deepEqual(body.properties.osProfile.linuxConfiguration.ssh.publicKeys, [{ path: '/home/azureuser/.ssh/authorized_keys', keyData: 'ssh-ed25519 KEY c' }]);
    assert.equal(Buffer.from(body.properties.osProfile.customData, 'base64').toString(), '#cloud-config\n');
    assert.deepEqual(body.properties.diagnosticsProfile, { bootDiagnostics: { enabled: true } });
    assert.deepEqual(body.identity, { type: 'SystemAssigned' });
    assert.equal(body.tags['spotbox:managed'], 'true');
    assert.equal(body.tags[HOST_KEY_TAG], 'ssh-ed25519 AAAA');
    assert.deepEqual(parseImageUrn('Canonical:ubuntu-24_04-lts:server:latest'), { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' });
    assert.equal(parseImageUrn('ubuntu'), undefined);
  });

  it('puts the host key and the first-boot script in one #cloud-config', () => {
    const text = buildAzureCloudConfig({ hostKey: { privateKeyOpenSsh: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n', publicKeyLine: 'ssh-ed25519 AAAAC3 host-x' }, firstBootScript: '#!/bin/sh\necho hi\n' });
    assert.ok(text.startsWith('#cloud-config\n'));
    assert.match(text, /\nssh_keys:\n {2}ed25519_private: \|\n {4}-----BEGIN OPENSSH PRIVATE KEY-----\n {4}abc\n {4}-----END OPENSSH PRIVATE KEY-----\n {2}ed25519_public: "ssh-ed25519 AAAAC3 host-x"\n/);
    const content = /content: (\S+)/.exec(text)?.[1] ?? '';
    assert.equal(Buffer.from(content, 'base64').toString(), '#!/bin/sh\necho hi\n');
    assert.match(text, /runcmd:\n {2}- \[ \/var\/lib\/spotbox\/first-boot\.sh \]\n$/);
    assert.doesNotMatch(buildAzureCloudConfig({ hostKey: { privateKeyOpenSsh: 'k', publicKeyLine: 'ssh-ed25519 A' } }), /runcmd/);
  });

  it('reads a box from a VM: resource id as id, power state, tags, the group\'s public IP', () => {
    assert.deepEqual(parseResourceId(VM_ID), { subscriptionId: 'sub-1', resourceGroup: 'spotbox-llama-ab12cd34-eastus', name: 'llama-ab12cd34' });
    assert.equal(parseResourceId('/subscriptions/s/resourceGroups/g'), undefined);
    const vm: VirtualMachine = {
      id: VM_ID,
      name: 'llama-ab12cd34',
      location: 'eastus',
      tags: boxTags({ box: 'llama', owner: 'o', session: 's-1', sshUser: 'azureuser', workspaceDir: '~/ws', lineage: 'lin-1' }),
      properties: { priority: 'Spot', hardwareProfile: { vmSize: 'Standard_NC4as_T4_v3' }, timeCreated: '2026-12-07T10:00:00Z', instanceView: { statuses: [{ code: 'ProvisioningState/succeeded' }, { code: 'PowerState/running' }] } },
    };
    const box = boxFromAzureVm(vm, '20.1.2.3');
    assert.equal(box.cloud, 'azure');
    assert.equal(box.instanceId, VM_ID);
    assert.equal(box.name, 'llama');
    assert.equal(box.state, 'running');
    assert.equal(box.lifecycle, 'spot');
    assert.equal(box.publicIp, '20.1.2.3');
    assert.equal(box.keyName, 'llama-ab12cd34');
    assert.equal(box.lineage, 'lin-1');
    assert.equal(box.launchTime, Date.parse('2026-12-07T10:00:00Z'));
    assert.equal(boxFromAzureVm({ ...vm, properties: { ...vm.properties, instanceView: { statuses: [{ code: 'PowerState/deallocating' }] } } }).state, 'stopping');
    assert.equal(boxFromAzureVm({ ...vm, properties: { ...vm.properties, instanceView: undefined, provisioningState: 'Creating' } }).state, 'pending');
  });
});
