/**
 * Spot virtual machine scale sets (Flexible orchestration) over the wire with real boxes: a scale
 * set of one whose instance is a VM of the group (virtualMachineScaleSet.id, its own NIC and public
 * IP, the scale set's identity), reached over SSH; its eviction and Try & Restore bringing a new
 * instance (new name, address, vmId; same customData and identity); without spotRestorePolicy
 * nothing comes back; scale to 0 and 1, DELETE, and group deletion leaving nothing.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConsoleHostKeyFingerprints } from '../../../src/core/ssh/hostKeyFingerprints';
import { sshExec } from '../e2e/sshExec';
import { eventually, httpsRequest, LOCATION, startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';
import { createScaleSetNetwork, scaleSetBody } from './scaleSetHarness';

const COMPUTE = '?api-version=2024-07-01';
const NETWORK = '?api-version=2024-05-01';
const GROUPS = '?api-version=2021-04-01';
const RESTORE_DELAY_MS = 2000;

interface Vm { name: string; id: string; tags?: Record<string, string>; properties: Record<string, unknown> }

describe('Azure sandbox: Spot scale sets (Flexible) with Try & Restore', function () {
  this.timeout(300_000);
  let directory: string;
  let context: AzureTestContext | undefined;
  let keys: { privateKey: string; publicKey: string };
  let firstInstance: { name: string; vmId: string; address: string };

  const groupPath = (group: string): string => `${context!.subscriptionPath}/resourceGroups/${group}`;
  const scaleSetPath = (group: string, name: string): string => `${groupPath(group)}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}${COMPUTE}`;
  const instancesOf = async (group: string, scaleSetId: string): Promise<Vm[]> => {
    const listed = await context!.arm('GET', `${groupPath(group)}/providers/Microsoft.Compute/virtualMachines${COMPUTE}`);
    assert.equal(listed.status, 200, listed.text);
    return (listed.json.value as Vm[]).filter((vm) => (vm.properties.virtualMachineScaleSet as { id?: string } | undefined)?.id === scaleSetId);
  };
  const addressOf = async (vm: Vm): Promise<string> => {
    const nicId = (vm.properties.networkProfile as { networkInterfaces: Array<{ id: string }> }).networkInterfaces[0].id;
    const nic = await context!.arm('GET', `${nicId}${NETWORK}`.replace(/^\//, ''));
    assert.equal(nic.status, 200, nic.text);
    const publicIpId = ((nic.json.properties as { ipConfigurations: Array<{ properties: { publicIPAddress: { id: string } } }> }).ipConfigurations[0].properties.publicIPAddress.id);
    const publicIp = await context!.arm('GET', `${publicIpId}${NETWORK}`.replace(/^\//, ''));
    return String((publicIp.json.properties as { ipAddress?: string }).ipAddress ?? '');
  };
  /** Runs `command` on the instance over SSH, the host key pinned from its boot diagnostics. */
  const onInstance = async (group: string, vm: Vm, address: string, command: string): Promise<string> => {
    const c = context!;
    const diagnostics = await c.arm('POST', `${groupPath(group)}/providers/Microsoft.Compute/virtualMachines/${vm.name}/retrieveBootDiagnosticsData${COMPUTE}&sasUriExpirationTimeInMinutes=10`);
    assert.equal(diagnostics.status, 200, diagnostics.text);
    const fingerprints = await eventually('host key fingerprints in the serial log', async () => {
      const found = parseConsoleHostKeyFingerprints((await httpsRequest('GET', String(diagnostics.json.serialConsoleLogBlobUri), c.sandbox.azure.certificates.ca)).text);
      return found.length ? found : undefined;
    });
    const state = c.sandbox.azure.arm.vms.snapshot().find((item) => item.vm === vm.name)!;
    const target = c.sandbox.endpoints.sshMode === 'loopback-ip' ? { host: address, port: 22 } : { host: '127.0.0.1', port: Number((state.address as { sshPort: number }).sshPort) };
    const result = await sshExec({ ...target, privateKey: keys.privateKey, username: 'azureuser', pinnedFingerprints: fingerprints.map((item) => item.fingerprint) }, command);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };
  const customData = '#!/bin/sh\necho scale-set-model > /dev/null\n';
  const identityCommand = 'sudo -n base64 -w0 /var/lib/waagent/CustomData; echo; curl -s -H Metadata:true "$AZURE_POD_IDENTITY_AUTHORITY_HOST/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/"';
  const oidOf = (tokenReply: string): string => String((JSON.parse(Buffer.from(String((JSON.parse(tokenReply) as { access_token: string }).access_token).split('.')[1], 'base64url').toString('utf8')) as { oid: string }).oid);

  before(async () => {
    directory = tempDir('spotbox-azure-vmss-');
    // A box's user must reach azure/tls (SSL_CERT_FILE), as in vmLifecycle.test.ts.
    fs.chmodSync(directory, 0o711);
    context = await startAzureTestSandbox(directory, { azureEvictionNoticeMs: 4000, azureSpotRestoreDelayMs: RESTORE_DELAY_MS });
    const keyPath = path.join(directory, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    keys = { privateKey: fs.readFileSync(keyPath, 'utf8'), publicKey: fs.readFileSync(`${keyPath}.pub`, 'utf8').trim() };
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('refuses bodies as ARM does, creating nothing: no platformFaultDomainCount, spotRestorePolicy without Spot, a subnet that does not exist', async () => {
    const c = context!;
    assert.equal((await c.arm('PUT', `${groupPath('vmss')}${GROUPS}`, { location: LOCATION })).status, 201);
    const network = await createScaleSetNetwork(c, 'vmss');
    const refused = async (body: Record<string, unknown>): Promise<[number, string, string?]> => {
      const reply = await c.arm('PUT', scaleSetPath('vmss', 'bad'), body);
      const error = reply.json.error as { code: string; target?: string };
      return [reply.status, error.code, error.target];
    };
    const good = scaleSetBody(network, keys.publicKey, { customData });
    const withoutFaultDomains = structuredClone(good);
    delete (withoutFaultDomains.properties as Record<string, unknown>).platformFaultDomainCount;
    assert.deepEqual(await refused(withoutFaultDomains), [400, 'InvalidParameter', 'platformFaultDomainCount']);
    assert.deepEqual(await refused(scaleSetBody(network, keys.publicKey, { priority: 'Regular' })), [400, 'InvalidParameter', 'spotRestorePolicy']);
    assert.deepEqual((await refused(scaleSetBody({ ...network, subnetId: `${network.subnetId}-missing` }, keys.publicKey)))[0], 400);
    assert.equal((await refused(scaleSetBody({ ...network, subnetId: `${network.subnetId}-missing` }, keys.publicKey)))[1], 'InvalidResourceReference');
    assert.deepEqual((await refused({ ...good, sku: { name: 'Standard_NC4as_T4_v3', capacity: -1 } })).slice(0, 2), [400, 'InvalidParameter']);
    assert.equal((await c.arm('GET', scaleSetPath('vmss', 'bad'))).status, 404);
    assert.deepEqual(c.sandbox.azure.arm.store.list({ group: 'vmss', type: 'Microsoft.Network/networkInterfaces' }), [], 'no NIC was made');
  });

  it('creates a Spot scale set of one: its instance is a VM of the group, reached over SSH, with the scale set\'s identity and customData', async () => {
    const c = context!;
    const network = await createScaleSetNetwork(c, 'vmss');
    const created = await c.arm('PUT', scaleSetPath('vmss', 'box'), scaleSetBody(network, keys.publicKey, { customData, tags: { 'spotbox-owner': 'tester' } }));
    assert.equal(created.status, 201, created.text);
    assert.ok(created.headers['azure-asyncoperation'].includes('/providers/Microsoft.Compute/locations/eastus/operations/'));
    const identity = created.json.identity as { type: string; principalId: string; tenantId: string };
    assert.equal(identity.type, 'SystemAssigned');
    assert.match(identity.principalId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(identity.tenantId, c.sandbox.endpoints.azureTenantId);
    const properties = created.json.properties as Record<string, unknown>;
    assert.equal(properties.provisioningState, 'Creating');
    assert.match(String(properties.uniqueId), /^[0-9a-f-]{36}$/);
    assert.deepEqual(properties.spotRestorePolicy, { enabled: true, restoreTimeout: 'PT1H' });
    assert.equal(((properties.virtualMachineProfile as { osProfile: Record<string, unknown> }).osProfile).customData, undefined, 'ARM never returns customData');
    const done = await c.waitForOperation(created.headers['azure-asyncoperation']);
    assert.equal(done.status, 'Succeeded', JSON.stringify(done));
    const scaleSet = await c.arm('GET', scaleSetPath('vmss', 'box'));
    assert.equal((scaleSet.json.properties as { provisioningState: string }).provisioningState, 'Succeeded');
    assert.deepEqual(scaleSet.json.sku, { name: 'Standard_NC4as_T4_v3', tier: 'Standard', capacity: 1 });

    const [instance, ...others] = await instancesOf('vmss', String(scaleSet.json.id));
    assert.equal(others.length, 0);
    assert.match(instance.name, /^box_[0-9a-f]{8}$/);
    assert.equal(instance.tags, undefined, 'no tags propagate to instances');
    assert.equal(instance.properties.priority, 'Spot');
    assert.equal(instance.properties.evictionPolicy, 'Delete');
    assert.match(String((instance.properties.osProfile as { computerName: string }).computerName), /^sbx[a-z0-9]{6}$/);
    const nicId = (instance.properties.networkProfile as { networkInterfaces: Array<{ id: string }> }).networkInterfaces[0].id;
    assert.equal(nicId.split('/').pop(), `${instance.name}-nic`);
    const address = await addressOf(instance);
    assert.match(address, /^127\.0\.0\.\d+$/);
    const [seenCustomData, token] = (await onInstance('vmss', instance, address, identityCommand)).split('\n');
    assert.equal(Buffer.from(seenCustomData, 'base64').toString('utf8'), customData);
    assert.equal(oidOf(token), identity.principalId, 'the instance\'s IMDS gives tokens of the scale set\'s identity');
    const all = await c.arm('GET', `${c.subscriptionPath}/providers/Microsoft.Compute/virtualMachineScaleSets${COMPUTE}`);
    assert.deepEqual((all.json.value as Array<{ name: string }>).map((item) => item.name), ['box']);
    const resources = await c.arm('GET', `${groupPath('vmss')}/resources${GROUPS}&$filter=${encodeURIComponent("resourceType eq 'Microsoft.Compute/virtualMachineScaleSets'")}`);
    assert.deepEqual((resources.json.value as Array<{ name: string }>).map((item) => item.name), ['box']);
    firstInstance = { name: instance.name, vmId: String(instance.properties.vmId), address };
  });

  it('an evicted instance goes with its NIC and IP (Preempt first), and Try & Restore brings a new one with the same model', async () => {
    const c = context!;
    const scaleSetId = String((await c.arm('GET', scaleSetPath('vmss', 'box'))).json.id);
    const evicted = c.sandbox.azure.arm.vms.evict('vmss', firstInstance.name);
    const events = c.sandbox.azure.arm.vms.snapshot().find((vm) => vm.vm === firstInstance.name)!.scheduledEvents as Array<{ EventType: string; EventStatus: string }>;
    assert.deepEqual(events.map((event) => [event.EventType, event.EventStatus]), [['Preempt', 'Scheduled']]);
    assert.ok(Date.parse(evicted.notBefore) > Date.now());
    await eventually('the instance to be evicted', async () => ((await instancesOf('vmss', scaleSetId)).length === 0 ? true : undefined), 20_000, 200);
    const goneAt = Date.now();
    const nics = c.sandbox.azure.arm.store.list({ group: 'vmss', type: 'Microsoft.Network/networkInterfaces' }).map((nic) => nic.name);
    const ips = c.sandbox.azure.arm.store.list({ group: 'vmss', type: 'Microsoft.Network/publicIPAddresses' }).map((ip) => ip.name);
    assert.ok(!nics.includes(`${firstInstance.name}-nic`) && !ips.includes(`${firstInstance.name}-pip`), `its NIC and IP went with it: ${nics.join()} ${ips.join()}`);

    const [restored] = await eventually('a restored instance', async () => {
      const instances = await instancesOf('vmss', scaleSetId);
      return instances.length ? instances : undefined;
    }, 30_000, 200);
    assert.ok(Date.now() - goneAt >= RESTORE_DELAY_MS - 300, 'restored after the restore delay');
    assert.notEqual(restored.name, firstInstance.name);
    assert.notEqual(String(restored.properties.vmId), firstInstance.vmId);
    const address = await eventually('the restored instance to run', async () => (await addressOf(restored)) || undefined, 30_000, 250);
    // A new public IP resource; its address is the new box's (the box host hands out the lowest free
    // loopback address, so it may equal the evicted box's: the new host key and vmId tell them apart).
    assert.equal(((restored.properties.networkProfile as { networkInterfaces: Array<{ id: string }> }).networkInterfaces[0].id).split('/').pop(), `${restored.name}-nic`);
    assert.ok(c.sandbox.azure.arm.store.find('vmss', 'Microsoft.Network/publicIPAddresses', `${restored.name}-pip`), 'a new public IP');
    const [seenCustomData, token] = (await onInstance('vmss', restored, address, identityCommand)).split('\n');
    assert.equal(Buffer.from(seenCustomData, 'base64').toString('utf8'), customData);
    const principalId = String(((await c.arm('GET', scaleSetPath('vmss', 'box'))).json.identity as { principalId: string }).principalId);
    assert.equal(oidOf(token), principalId);
    assert.equal(c.sandbox.events.events({ kind: 'azure-vmss-restored' }).length, 1);
  });

  it('with no capacity the restore tries again (delay set through the control API); without spotRestorePolicy an evicted instance is not replaced', async () => {
    const c = context!;
    const delay = await fetch(`${c.sandbox.endpoints.control}/azure/scale-sets/restore-delay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: 1500 }) });
    assert.equal(delay.status, 200, await delay.text());
    assert.equal(c.sandbox.azure.arm.scaleSets.restoreDelayMs, 1500);
    const network = await createScaleSetNetwork(c, 'vmss');
    const created = await c.arm('PUT', scaleSetPath('vmss', 'plain'), scaleSetBody(network, keys.publicKey, { spotRestore: false, vmSize: 'Standard_D2s_v5' }));
    assert.equal(created.status, 201, created.text);
    assert.equal((await c.waitForOperation(created.headers['azure-asyncoperation'])).status, 'Succeeded');
    const plainId = String(created.json.id);
    const boxId = String((await c.arm('GET', scaleSetPath('vmss', 'box'))).json.id);
    const [plain] = await instancesOf('vmss', plainId);
    const [box] = await instancesOf('vmss', boxId);
    // Two evictions at once; the restore of `box` meets no capacity twice, then succeeds.
    await fetch(`${c.sandbox.endpoints.control}/azure/faults/capacity`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vmSize: 'Standard_NC4as_T4_v3', code: 'AllocationFailed', count: 2 }) });
    c.sandbox.azure.arm.vms.evict('vmss', plain.name);
    c.sandbox.azure.arm.vms.evict('vmss', box.name);
    await eventually('both evicted', async () => ((await instancesOf('vmss', plainId)).length + (await instancesOf('vmss', boxId)).length === 0 ? true : undefined), 20_000, 200);
    const [restored] = await eventually('box restored after the retries', async () => {
      const instances = await instancesOf('vmss', boxId);
      return instances.length ? instances : undefined;
    }, 30_000, 250);
    assert.notEqual(restored.name, box.name);
    assert.deepEqual(c.sandbox.events.events({ kind: 'azure-vmss-restore-retry' }).map((event) => event.details.code), ['AllocationFailed', 'AllocationFailed']);
    assert.deepEqual(await instancesOf('vmss', plainId), [], 'no spotRestorePolicy: nothing comes back');
    assert.equal(((await c.arm('GET', scaleSetPath('vmss', 'plain'))).json.sku as { capacity: number }).capacity, 1);
  });

  it('scales to 0 and back to 1 with PATCH, DELETE of a scale set removes its instances, and the group deletion leaves nothing', async () => {
    const c = context!;
    const boxId = String((await c.arm('GET', scaleSetPath('vmss', 'box'))).json.id);
    const toZero = await c.arm('PATCH', scaleSetPath('vmss', 'box'), { sku: { capacity: 0 } });
    assert.equal(toZero.status, 200, toZero.text);
    assert.equal((await c.waitForOperation(toZero.headers['azure-asyncoperation'])).status, 'Succeeded');
    assert.deepEqual(await instancesOf('vmss', boxId), []);
    const toOne = await c.arm('PATCH', scaleSetPath('vmss', 'box'), { sku: { capacity: 1 } });
    assert.equal((await c.waitForOperation(toOne.headers['azure-asyncoperation'])).status, 'Succeeded');
    assert.equal((await instancesOf('vmss', boxId)).length, 1);

    const deleted = await c.arm('DELETE', scaleSetPath('vmss', 'plain'));
    assert.equal(deleted.status, 202);
    assert.ok(deleted.headers.location && deleted.headers['azure-asyncoperation']);
    assert.equal((await c.waitForOperation(deleted.headers['azure-asyncoperation'])).status, 'Succeeded');
    assert.equal((await c.arm('GET', scaleSetPath('vmss', 'plain'))).status, 404);

    const groupDeletion = await c.arm('DELETE', `${groupPath('vmss')}${GROUPS}`);
    assert.equal(groupDeletion.status, 202);
    await eventually('the group deletion', async () => ((await c.arm('GET', groupDeletion.headers.location)).status === 200 ? true : undefined), 30_000, 250);
    assert.deepEqual(c.sandbox.azure.arm.store.list({ group: 'vmss' }), []);
    assert.deepEqual(c.sandbox.azure.arm.vms.snapshot(), []);
    await new Promise((resolve) => setTimeout(resolve, RESTORE_DELAY_MS + 500));
    assert.deepEqual(c.sandbox.azure.arm.vms.snapshot(), [], 'no restore after the group is gone');
  });
});
