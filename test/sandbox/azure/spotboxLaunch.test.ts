/**
 * Spotbox's own Azure pipeline (src/core/azure) against the sandbox's Azure, over the real wire and
 * as the editor runs it: a separate Node process with the sandbox's environment (the Azure CLI's
 * cloud configuration, @azure/identity's service principal, the sandbox's CA). A Spot box is
 * launched from a profile in its own resource group, listed, reached over SSH pinned to the host
 * key the launch made (read back from ARM), and terminated with nothing left; no capacity in the
 * first size; a Spot price above the guard refused with nothing left; the sweep.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Box } from '../../../src/core/boxes/box';
import type { BoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import { sshExec } from '../e2e/sshExec';
import { runAzureClient, startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';

const CLIENT_OWNER = 'owner-azure-launch';

interface Launched {
  readonly launched: { name: string; resourceGroup: string; location: string; vmSize: string; publicIp: string; hostPublicKey: string; privateKeyPath: string; skipped: Array<{ vmSize: string; location: string; reason: string }> };
  readonly box: Box;
  readonly endpoint: BoxEndpoint;
  readonly error?: string;
}

describe('Azure launch pipeline against the sandbox (src/core/azure over the wire, as the editor runs it)', function () {
  this.timeout(300_000);
  let directory: string;
  let context: AzureTestContext;
  let keyDirectory: string;
  const client = <T>(...args: string[]): Promise<T & { error?: string }> => runAzureClient<T>(context, args);
  const profile = (extra: Record<string, unknown> = {}): string => JSON.stringify({ name: 'llama', cloud: 'azure', regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], maxPrice: 2, ...extra });
  const groupsTagged = async (): Promise<string[]> => {
    const reply = await context.arm('GET', `${context.subscriptionPath}/resourcegroups?api-version=2021-04-01&$filter=${encodeURIComponent("tagName eq 'spotbox:managed' and tagValue eq 'true'")}`);
    return ((reply.json.value as Array<{ name: string }> | undefined) ?? []).map((group) => group.name);
  };

  before(async () => {
    directory = tempDir('spotbox-azure-launch-');
    context = await startAzureTestSandbox(directory);
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });
  beforeEach(() => {
    keyDirectory = fs.mkdtempSync(path.join(directory, 'keys-'));
  });
  afterEach(() => context.sandbox.azure.arm.faults.clear());

  it('launches a Spot box in a resource group of its own, attaches pinned to the host key it made, and terminates it with nothing left', async () => {
    const result = await client<Launched>('launch', profile(), keyDirectory, CLIENT_OWNER);
    assert.equal(result.error, undefined, result.error);
    const { launched, box, endpoint } = result;
    assert.equal(box.cloud, 'azure');
    assert.equal(box.state, 'running');
    assert.equal(box.lifecycle, 'spot');
    assert.equal(box.instanceType, 'Standard_NC4as_T4_v3');
    assert.match(launched.resourceGroup, /^spotbox-llama-[0-9a-f]{8}-eastus$/);
    // The host key the launch made is the one the box presents, and the one the endpoint pins.
    const pinned = endpoint.hostKeys.map((key) => key.fingerprint);
    assert.equal(pinned.length, 1);
    assert.equal(endpoint.hostKeys[0].base64, launched.hostPublicKey.split(' ')[1]);
    const vm = await context.arm('GET', `${context.subscriptionPath}/resourceGroups/${launched.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${launched.name}?api-version=2024-07-01`);
    const properties = vm.json.properties as Record<string, unknown>;
    assert.equal(properties.priority, 'Spot');
    assert.equal(properties.evictionPolicy, 'Delete');
    assert.deepEqual(properties.billingProfile, { maxPrice: 2 });
    const rules = (await context.arm('GET', `${context.subscriptionPath}/resourceGroups/${launched.resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/${launched.name}-nsg?api-version=2024-05-01`)).json.properties as { securityRules: Array<{ properties: { sourceAddressPrefix: string; destinationPortRange: string } }> };
    assert.deepEqual(rules.securityRules.map((rule) => [rule.properties.sourceAddressPrefix, rule.properties.destinationPortRange]), [['127.0.0.1/32', '22']]);
    const login = await sshExec({ host: endpoint.host, port: endpoint.port, username: endpoint.user, privateKey: fs.readFileSync(endpoint.privateKeyPath, 'utf8'), pinnedFingerprints: pinned }, 'id -un; hostname');
    assert.deepEqual(login.stdout.trim().split('\n'), ['ubuntu', launched.name]);
    // A key that is not the pinned one is refused before any login.
    await assert.rejects(sshExec({ host: endpoint.host, port: endpoint.port, username: endpoint.user, privateKey: fs.readFileSync(endpoint.privateKeyPath, 'utf8'), pinnedFingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] }, 'true'));

    const listed = await client<{ boxes: Box[] }>('list');
    assert.deepEqual(listed.boxes.map((item) => [item.instanceId, item.publicIp, item.state]), [[box.instanceId, launched.publicIp, 'running']]);
    const refused = await client<{ terminated?: boolean }>('terminate', JSON.stringify(box), keyDirectory, 'another-installation');
    assert.match(refused.error ?? '', /not one this Spotbox installation created/);
    const terminated = await client<{ terminated: boolean }>('terminate', JSON.stringify(box), keyDirectory, CLIENT_OWNER);
    assert.equal(terminated.error, undefined, terminated.error);
    assert.deepEqual(await groupsTagged(), []);
    assert.deepEqual(context.sandbox.azure.arm.vms.snapshot(), []);
    assert.equal(fs.existsSync(launched.privateKeyPath), false, 'the key file goes with the box');
  });

  it('moves on to the next size when the first has no capacity, deleting the failed VM', async () => {
    context.sandbox.azure.arm.faults.add({ kind: 'capacity', vmSize: 'Standard_NC4as_T4_v3', code: 'AllocationFailed' });
    const result = await client<Launched>('launch', profile({ instanceTypes: ['Standard_NC4as_T4_v3', 'Standard_NC24ads_A100_v4'], maxPrice: 5 }), keyDirectory, CLIENT_OWNER);
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.launched.vmSize, 'Standard_NC24ads_A100_v4');
    assert.deepEqual(result.launched.skipped.map((skip) => skip.vmSize), ['Standard_NC4as_T4_v3']);
    assert.match(result.launched.skipped[0].reason, /AllocationFailed|allocat/i);
    assert.equal(context.sandbox.azure.arm.vms.snapshot().length, 1, 'one VM: the failed one was deleted');
    await client('terminate', JSON.stringify(result.box), keyDirectory, CLIENT_OWNER);
    assert.deepEqual(await groupsTagged(), []);
  });

  it('refuses a Spot price above the guard and leaves nothing: no group, no VM, no key file', async () => {
    context.sandbox.azure.arm.faults.add({ kind: 'spot-price', vmSize: 'Standard_NC4as_T4_v3', pricePerHour: 3.5 });
    const result = await client<Launched>('launch', profile({ maxPrice: 0.5 }), keyDirectory, CLIENT_OWNER);
    assert.match(result.error ?? '', /Spot price for Standard_NC4as_T4_v3 in eastus is above your maxPrice of \$0\.5\/h/);
    assert.deepEqual(await groupsTagged(), []);
    assert.deepEqual(context.sandbox.azure.arm.vms.snapshot(), []);
    assert.deepEqual(fs.readdirSync(keyDirectory), []);
  });

  it('the sweep finds a box\'s group whose VM is gone (evicted) and deletes it', async () => {
    const result = await client<Launched>('launch', profile(), keyDirectory, CLIENT_OWNER);
    assert.equal(result.error, undefined, result.error);
    // An eviction (evictionPolicy Delete) takes the VM and leaves the group with its network.
    const vmPath = `${context.subscriptionPath}/resourceGroups/${result.launched.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${result.launched.name}`;
    await context.arm('DELETE', `${vmPath}?api-version=2024-07-01`);
    for (let i = 0; i < 100 && context.sandbox.azure.arm.vms.snapshot().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    const swept = await client<{ found: string[]; deleted: number; failed: string[] }>('sweep', keyDirectory, CLIENT_OWNER);
    assert.equal(swept.error, undefined, swept.error);
    assert.deepEqual(swept.found, [`security-group ${result.launched.resourceGroup}`]);
    assert.equal(swept.deleted, 1);
    assert.deepEqual(await groupsTagged(), []);
    assert.deepEqual(fs.readdirSync(keyDirectory), []);
  });
});
