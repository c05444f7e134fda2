/**
 * Clients not written by us against the sandbox's Azure: Debian's azure-cli 2.45 reads the cloud the
 * sandbox registered in AZURE_CONFIG_DIR, and Microsoft's Python SDKs (Debian's python3-azure) run
 * a resource group + network + Spot VM lifecycle over ARM with a token from the sandbox's Entra ID,
 * and a Flexible Spot scale set with a role assignment for its identity.
 * `az login` itself cannot be used: MSAL for Python 1.21 (Debian's) asks login.microsoftonline.com
 * to validate any authority that is not Microsoft's, and azure-cli 2.45 gives no way to turn that
 * off (see README.md).
 */
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';

function run(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 180_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

describe('Azure sandbox: second clients (azure-cli, Microsoft\'s Python SDKs)', function () {
  this.timeout(300_000);
  let directory: string;
  let context: AzureTestContext | undefined;

  before(async function () {
    if (!fs.existsSync('/usr/bin/az')) {
      // .ci/run installs azure-cli (which brings python3-azure).
      this.skip();
    }
    directory = tempDir('spotbox-azure-second-');
    context = await startAzureTestSandbox(directory);
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('az cloud show reads the SpotboxSandbox cloud and its endpoints from AZURE_CONFIG_DIR', async () => {
    const { sandbox } = context!;
    const shown = JSON.parse(await run('/usr/bin/az', ['cloud', 'show', '--output', 'json'], sandbox.environment)) as { name: string; isActive: boolean; endpoints: Record<string, string> };
    assert.equal(shown.name, 'SpotboxSandbox');
    assert.equal(shown.isActive, true);
    assert.equal(shown.endpoints.resourceManager, sandbox.endpoints.azureArm);
    assert.equal(shown.endpoints.activeDirectory, sandbox.endpoints.azureAuthority.replace(/\/$/, ''));
    assert.equal(shown.endpoints.activeDirectoryResourceId, 'https://management.core.windows.net/');
  });

  it('azure-mgmt-resource/network/compute: group by tag, network, a Spot VM running with the box address, sizes, group deletion', async () => {
    const { sandbox } = context!;
    const keyPath = path.join(directory, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    // Debian's python3 (the SDKs live in its dist-packages), not whichever python3 is first on PATH.
    const output = await run('/usr/bin/python3', [path.resolve(__dirname, '../../../../test/sandbox/azure/second_client.py')], {
      ...sandbox.environment, ARM: sandbox.endpoints.azureArm, SSH_PUBLIC_KEY: fs.readFileSync(`${keyPath}.pub`, 'utf8').trim(),
    });
    const result = JSON.parse(output.trim().split('\n').pop()!) as { tagged: string[]; vm: Record<string, string>; statuses: string[]; address: string; sizes: string[]; groupExistsAfterDelete: boolean };
    assert.deepEqual(result.tagged, ['py-group']);
    assert.deepEqual(result.vm, { name: 'pyvm', provisioningState: 'Succeeded', priority: 'Spot', evictionPolicy: 'Delete' });
    assert.deepEqual(result.statuses, ['ProvisioningState/succeeded', 'PowerState/running']);
    assert.match(result.address, /^127\.0\.0\.\d+$/);
    assert.ok(result.sizes.includes('Standard_ND96isr_H100_v5'));
    assert.equal(result.groupExistsAfterDelete, false);
  });

  it('azure-mgmt-compute/storage/authorization: a Flexible Spot scale set with Try & Restore, its instance among the VMs, a role assignment on the storage account', async () => {
    const { sandbox } = context!;
    const keyPath = path.join(directory, 'id_ed25519_vmss');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    const output = await run('/usr/bin/python3', [path.resolve(__dirname, '../../../../test/sandbox/azure/second_client_vmss.py')], {
      ...sandbox.environment, ARM: sandbox.endpoints.azureArm, SSH_PUBLIC_KEY: fs.readFileSync(`${keyPath}.pub`, 'utf8').trim(),
    });
    const result = JSON.parse(output.trim().split('\n').pop()!) as Record<string, unknown>;
    assert.deepEqual(result.scaleSet, { name: 'pyset', provisioningState: 'Succeeded', orchestrationMode: 'Flexible', spotRestore: true, capacity: 1 });
    assert.equal(result.principalIsUuid, true);
    const instances = result.instances as Array<{ name: string; priority: string; computerName: string }>;
    assert.equal(instances.length, 1);
    assert.match(instances[0].name, /^pyset_[0-9a-f]{8}$/);
    assert.equal(instances[0].priority, 'Spot');
    assert.match(instances[0].computerName, /^py[a-z0-9]{6}$/);
    assert.deepEqual(result.account, { name: 'devstoreaccount1', blob: `${sandbox.endpoints.azureBlob}/` });
    assert.deepEqual(result.assignment, { scope: `/subscriptions/${sandbox.endpoints.azureSubscriptionId}/resourceGroups/spotbox-sandbox-storage/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`, principalId: true });
    assert.equal(result.listed, true);
    assert.equal(result.groupExistsAfterDelete, false);
  });
});
