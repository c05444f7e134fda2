/**
 * ARM over the wire with a real box: a resource group with tags, the network a VM needs, a Spot VM
 * whose async operation runs until the box's sshd is up, its instance view and public IP, its
 * serial log through boot diagnostics, SSH into it with the key from osProfile (host key pinned from
 * that log), the lists, and deleting the group, which takes the box with it.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConsoleHostKeyFingerprints } from '../../../src/core/ssh/hostKeyFingerprints';
import { sshExec } from '../e2e/sshExec';
import { createNetwork, eventually, httpsRequest, LOCATION, spotVmBody, startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';

const RESOURCES = '?api-version=2021-04-01';
const COMPUTE = '?api-version=2024-07-01';

describe('Azure sandbox: resource groups, network and a Spot VM with a real box', function () {
  this.timeout(300_000);
  let directory: string;
  let context: AzureTestContext | undefined;
  let keys: { privateKey: string; publicKey: string };

  before(async () => {
    directory = tempDir('spotbox-azure-vm-');
    context = await startAzureTestSandbox(directory);
    const keyPath = path.join(directory, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tester@spotbox', '-f', keyPath]);
    keys = { privateKey: fs.readFileSync(keyPath, 'utf8'), publicKey: fs.readFileSync(`${keyPath}.pub`, 'utf8').trim() };
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('creates, reads, heads and lists resource groups by tag', async () => {
    const c = context!;
    const groupPath = `${c.subscriptionPath}/resourcegroups/spotbox-box1${RESOURCES}`;
    const created = await c.arm('PUT', groupPath, { location: LOCATION, tags: { 'spotbox-owner': 'tester', box: 'box1' } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json.properties, { provisioningState: 'Succeeded' });
    assert.equal(created.json.id, `/subscriptions/${c.sandbox.endpoints.azureSubscriptionId}/resourceGroups/spotbox-box1`);
    assert.equal((await c.arm('PUT', groupPath, { location: LOCATION, tags: { 'spotbox-owner': 'tester', box: 'box1' } })).status, 200);
    assert.equal((await c.arm('PUT', `${c.subscriptionPath}/resourcegroups/other${RESOURCES}`, { location: LOCATION, tags: { 'spotbox-owner': 'someone-else' } })).status, 201);
    assert.equal((await c.arm('HEAD', groupPath)).status, 204);
    assert.equal((await c.arm('HEAD', `${c.subscriptionPath}/resourcegroups/nope${RESOURCES}`)).status, 404);
    const missing = await c.arm('GET', `${c.subscriptionPath}/resourcegroups/nope${RESOURCES}`);
    assert.equal(missing.status, 404);
    assert.equal((missing.json.error as { code: string }).code, 'ResourceGroupNotFound');
    const filter = encodeURIComponent("tagName eq 'spotbox-owner' and tagValue eq 'tester'");
    const listed = await c.arm('GET', `${c.subscriptionPath}/resourcegroups${RESOURCES}&$filter=${filter}`);
    assert.deepEqual((listed.json.value as Array<{ name: string }>).map((group) => group.name), ['spotbox-box1']);
  });

  it('refuses VM bodies as ARM does: evictionPolicy without Spot, a bad maxPrice, a NIC that does not exist, an unknown size', async () => {
    const c = context!;
    const { nicId } = await createNetwork(c, 'spotbox-box1');
    const vmPath = `${c.subscriptionPath}/resourceGroups/spotbox-box1/providers/Microsoft.Compute/virtualMachines/bad${COMPUTE}`;
    const codeOf = async (body: Record<string, unknown>): Promise<[number, string]> => {
      const reply = await c.arm('PUT', vmPath, body);
      return [reply.status, (reply.json.error as { code: string }).code];
    };
    assert.deepEqual(await codeOf(spotVmBody(nicId, keys.publicKey, { priority: 'Regular', evictionPolicy: 'Delete', maxPrice: undefined })), [400, 'InvalidParameter']);
    assert.deepEqual(await codeOf(spotVmBody(nicId, keys.publicKey, { maxPrice: 0 })), [400, 'MaxPriceValueInvalid']);
    assert.deepEqual(await codeOf(spotVmBody(`${nicId}-missing`, keys.publicKey)), [404, 'NotFound']);
    assert.deepEqual(await codeOf(spotVmBody(nicId, keys.publicKey, { vmSize: 'Standard_Bogus' })), [400, 'InvalidParameter']);
    assert.equal((await c.arm('GET', vmPath)).status, 404, 'nothing was created');
  });

  it('boots a Spot VM: 201 + Azure-AsyncOperation, InProgress until sshd is up, then running with the box address on its public IP', async () => {
    const c = context!;
    const nicId = `/subscriptions/${c.sandbox.endpoints.azureSubscriptionId}/resourceGroups/spotbox-box1/providers/Microsoft.Network/networkInterfaces/box-nic`;
    const vmPath = `${c.subscriptionPath}/resourceGroups/spotbox-box1/providers/Microsoft.Compute/virtualMachines/trainer${COMPUTE}`;
    const created = await c.arm('PUT', vmPath, spotVmBody(nicId, keys.publicKey, { maxPrice: 0.5 }));
    assert.equal(created.status, 201, created.text);
    assert.ok(created.headers['azure-asyncoperation'].includes('/providers/Microsoft.Compute/locations/eastus/operations/'));
    assert.equal(created.headers['retry-after'], '10');
    const properties = created.json.properties as Record<string, unknown>;
    assert.equal(properties.provisioningState, 'Creating');
    assert.equal(properties.priority, 'Spot');
    assert.equal(properties.evictionPolicy, 'Delete');
    assert.deepEqual(properties.billingProfile, { maxPrice: 0.5 });
    assert.equal((properties.osProfile as Record<string, unknown>).customData, undefined, 'ARM never returns customData');
    assert.equal((created.json.identity as { type: string }).type, 'SystemAssigned');
    const done = await c.waitForOperation(created.headers['azure-asyncoperation']);
    assert.equal(done.status, 'Succeeded', JSON.stringify(done));

    const vm = await c.arm('GET', `${vmPath}&$expand=instanceView`);
    const view = (vm.json.properties as { instanceView: { statuses: Array<{ code: string }> } }).instanceView;
    assert.deepEqual(view.statuses.map((status) => status.code), ['ProvisioningState/succeeded', 'PowerState/running']);
    const instanceView = await c.arm('GET', vmPath.replace('/trainer?', '/trainer/instanceView?'));
    assert.equal(instanceView.status, 200);
    const pip = await c.arm('GET', `${c.subscriptionPath}/resourceGroups/spotbox-box1/providers/Microsoft.Network/publicIPAddresses/box-ip?api-version=2024-05-01`);
    const ip = String((pip.json.properties as { ipAddress?: string }).ipAddress);
    assert.match(ip, /^127\.0\.0\.\d+$/);

    const diagnostics = await c.arm('POST', `${vmPath.replace('/trainer?', '/trainer/retrieveBootDiagnosticsData?')}&sasUriExpirationTimeInMinutes=10`);
    assert.equal(diagnostics.status, 200, diagnostics.text);
    const serialUri = String(diagnostics.json.serialConsoleLogBlobUri);
    assert.match(serialUri, /serialconsole\.log\?.*sig=/);
    const fingerprints = await eventually('host key fingerprints in the serial log', async () => {
      const log = await httpsRequest('GET', serialUri, c.sandbox.azure.certificates.ca);
      assert.equal(log.status, 200);
      const found = parseConsoleHostKeyFingerprints(log.text);
      return found.length ? found : undefined;
    });
    const tampered = await httpsRequest('GET', serialUri.replace(/sig=[^&]+/, 'sig=forged'), c.sandbox.azure.certificates.ca);
    assert.equal(tampered.status, 403);

    const box = c.sandbox.endpoints.sshMode === 'loopback-ip' ? { host: ip, port: 22 } : { host: '127.0.0.1', port: c.sandbox.azure.arm.vms.snapshot()[0].address ? Number((c.sandbox.azure.arm.vms.snapshot()[0].address as { sshPort: number }).sshPort) : 22 };
    const login = await sshExec({ ...box, privateKey: keys.privateKey, username: 'azureuser', pinnedFingerprints: fingerprints.map((item) => item.fingerprint) }, 'id -un; echo "$SPOTBOX_AZURE_BLOB_ENDPOINT"');
    assert.deepEqual(login.stdout.trim().split('\n'), ['azureuser', c.sandbox.endpoints.azureBlob]);
  });

  it('lists VMs per group and per subscription, and resources by tag', async () => {
    const c = context!;
    const inGroup = await c.arm('GET', `${c.subscriptionPath}/resourceGroups/spotbox-box1/providers/Microsoft.Compute/virtualMachines${COMPUTE}`);
    assert.deepEqual((inGroup.json.value as Array<{ name: string }>).map((vm) => vm.name), ['trainer']);
    const all = await c.arm('GET', `${c.subscriptionPath}/providers/Microsoft.Compute/virtualMachines${COMPUTE}`);
    assert.deepEqual((all.json.value as Array<{ name: string }>).map((vm) => vm.name), ['trainer']);
    const filter = encodeURIComponent("tagName eq 'spotbox-owner' and tagValue eq 'tester'");
    const tagged = await c.arm('GET', `${c.subscriptionPath}/resources${RESOURCES}&$filter=${filter}`);
    assert.deepEqual((tagged.json.value as Array<{ type: string }>).map((item) => item.type), ['Microsoft.Compute/virtualMachines']);
    const nicDelete = await c.arm('DELETE', `${c.subscriptionPath}/resourceGroups/spotbox-box1/providers/Microsoft.Network/networkInterfaces/box-nic?api-version=2024-05-01`);
    assert.equal(nicDelete.status, 400);
    assert.equal((nicDelete.json.error as { code: string }).code, 'NicInUse');
  });

  it('deleting the group answers 202 + Location, and removes the VM (its box terminated) and the network', async () => {
    const c = context!;
    const boxId = String(c.sandbox.azure.arm.vms.snapshot()[0].boxId);
    assert.equal(fs.existsSync(path.join(directory, 'boxes', 'boxes', boxId)), true, 'the box has a disk before');
    const deleted = await c.arm('DELETE', `${c.subscriptionPath}/resourcegroups/spotbox-box1${RESOURCES}`);
    assert.equal(deleted.status, 202);
    const location = deleted.headers.location;
    assert.match(location, /\/operationresults\//);
    await eventually('the group deletion to finish', async () => {
      const poll = await c.arm('GET', location);
      return poll.status === 200 ? true : undefined;
    });
    assert.equal((await c.arm('HEAD', `${c.subscriptionPath}/resourcegroups/spotbox-box1${RESOURCES}`)).status, 404);
    assert.deepEqual(c.sandbox.azure.arm.store.list({ group: 'spotbox-box1' }), []);
    assert.equal(fs.existsSync(path.join(directory, 'boxes', 'boxes', boxId)), false, 'the box disk is gone');
    const kinds = c.sandbox.events.events({}).map((event) => event.kind);
    assert.ok(kinds.includes('azure-vm-deleted') && kinds.includes('azure-resource-group-deleted'));
  });
});
