/**
 * A restart in the same folder keeps what clients were given: the ports, the service principal and
 * subscription, the CA (so NODE_EXTRA_CA_CERTS set earlier still holds), Azurite's blobs, and
 * ARM's groups and VMs (a running VM's box boots again at the same address).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { processesMentioning } from '../e2e/sandboxHarness';
import { createNetwork, eventually, httpsRequest, LOCATION, spotVmBody, startAzureTestSandbox, tempDir, type AzureTestContext } from './azureHarness';

describe('Azure sandbox: restart', function () {
  this.timeout(120_000);

  it('keeps ports, principal, CA, blobs, groups and VMs; stop leaves no Azurite running', async () => {
    const directory = tempDir('spotbox-azure-restart-');
    let sandbox: RunningSandbox | undefined;
    const vmPath = (c: AzureTestContext): string => `${c.subscriptionPath}/resourceGroups/kept/providers/Microsoft.Compute/virtualMachines/kept?api-version=2024-07-01&$expand=instanceView`;
    const running = async (c: AzureTestContext): Promise<string> => eventually('the VM to run', async () => {
      const vm = await c.arm('GET', vmPath(c));
      const codes = (vm.json.properties as { instanceView: { statuses: Array<{ code: string }> } }).instanceView.statuses.map((status) => status.code);
      if (!codes.includes('PowerState/running')) {
        return undefined;
      }
      const pip = await c.arm('GET', `${c.subscriptionPath}/resourceGroups/kept/providers/Microsoft.Network/publicIPAddresses/kept-ip?api-version=2024-05-01`);
      return String((pip.json.properties as { ipAddress: string }).ipAddress);
    });
    try {
      let context = await startAzureTestSandbox(directory);
      sandbox = context.sandbox;
      const keyPath = path.join(directory, 'id_ed25519');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
      assert.equal((await context.arm('PUT', `${context.subscriptionPath}/resourcegroups/kept?api-version=2021-04-01`, { location: LOCATION })).status, 201);
      const { nicId } = await createNetwork(context, 'kept', 'kept');
      assert.equal((await context.arm('PUT', vmPath(context), spotVmBody(nicId, fs.readFileSync(`${keyPath}.pub`, 'utf8').trim()))).status, 201);
      const address = await running(context);
      const first = { endpoints: sandbox.endpoints, environment: sandbox.environment, ca: fs.readFileSync(sandbox.endpoints.azureCaFile, 'utf8') };
      const token = sandbox.azure.tokens.issue('https://storage.azure.com').token;
      const blob = `${first.endpoints.azureBlob}/${first.endpoints.azureContainer}/kept.txt`;
      const put = await httpsRequest('PUT', blob, first.ca, 'kept', { authorization: `Bearer ${token}`, 'x-ms-version': '2021-08-06', 'x-ms-blob-type': 'BlockBlob' });
      assert.equal(put.status, 201, put.text);
      await sandbox.stop();
      assert.deepEqual(processesMentioning(directory), [], 'Azurite stopped with the sandbox');

      context = await startAzureTestSandbox(directory);
      sandbox = context.sandbox;
      assert.equal(await running(context), address, 'the box is back at its address');
      for (const key of ['azureArm', 'azureAuthority', 'azureBlob', 'azureTenantId', 'azureSubscriptionId', 'azureCaFile'] as const) {
        assert.equal(sandbox.endpoints[key], first.endpoints[key], key);
      }
      assert.equal(sandbox.environment.AZURE_CLIENT_SECRET, first.environment.AZURE_CLIENT_SECRET);
      assert.equal(fs.readFileSync(sandbox.endpoints.azureCaFile, 'utf8'), first.ca);
      const read = await httpsRequest('GET', blob, first.ca, undefined, { authorization: `Bearer ${sandbox.azure.tokens.issue('https://storage.azure.com').token}`, 'x-ms-version': '2021-08-06' });
      assert.equal(read.status, 200);
      assert.equal(read.text, 'kept');
    } finally {
      await sandbox?.stop();
      assert.deepEqual(processesMentioning(directory), []);
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
