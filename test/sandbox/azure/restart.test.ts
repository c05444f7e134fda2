/**
 * A restart in the same folder keeps what clients were given: the ports, the service principal and
 * subscription, the CA (so NODE_EXTRA_CA_CERTS set earlier still holds), and Azurite's blobs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { startSandbox, type RunningSandbox } from '../../../sandbox/sandbox';
import { processesMentioning } from '../e2e/sandboxHarness';
import { httpsRequest, tempDir } from './azureHarness';

describe('Azure sandbox: restart', function () {
  this.timeout(120_000);

  it('keeps ports, principal, CA and blobs; stop leaves no Azurite running', async () => {
    const directory = tempDir('spotbox-azure-restart-');
    let sandbox: RunningSandbox | undefined;
    try {
      sandbox = await startSandbox({ directory });
      const first = { endpoints: sandbox.endpoints, environment: sandbox.environment, ca: fs.readFileSync(sandbox.endpoints.azureCaFile, 'utf8') };
      const token = sandbox.azure.tokens.issue('https://storage.azure.com').token;
      const blob = `${first.endpoints.azureBlob}/${first.endpoints.azureContainer}/kept.txt`;
      const put = await httpsRequest('PUT', blob, first.ca, 'kept', { authorization: `Bearer ${token}`, 'x-ms-version': '2021-08-06', 'x-ms-blob-type': 'BlockBlob' });
      assert.equal(put.status, 201, put.text);
      await sandbox.stop();
      assert.deepEqual(processesMentioning(directory), [], 'Azurite stopped with the sandbox');

      sandbox = await startSandbox({ directory });
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
