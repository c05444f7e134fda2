/**
 * Azurite (run by the sandbox over HTTPS with --oauth basic, behind the proxy that checks Storage
 * Blob Data roles) takes the token a VM's managed identity gets from the emulator once the identity
 * holds "Storage Blob Data Contributor" on the account (403 AuthorizationPermissionMismatch before):
 * Put Block in parallel, Put Block List, Get Blob, as a box uploads a checkpoint; and refuses a token
 * for another audience.
 */
import * as assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as https from 'node:https';
import * as path from 'node:path';
import { createNetwork, httpsRequest, LOCATION, spotVmBody, startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';

describe('Azure sandbox: Azurite accepts managed identity tokens', function () {
  this.timeout(300_000);
  let directory: string;
  let context: AzureTestContext | undefined;

  before(async () => {
    directory = tempDir('spotbox-azure-blob-');
    context = await startAzureTestSandbox(directory);
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('refused without a Storage Blob Data role, then Put Block x3 in parallel, Put Block List and Get Blob with the VM identity token over HTTPS', async () => {
    const c = context!;
    const keyPath = path.join(directory, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    assert.equal((await c.arm('PUT', `${c.subscriptionPath}/resourcegroups/blob?api-version=2021-04-01`, { location: LOCATION })).status, 201);
    const { nicId } = await createNetwork(c, 'blob', 'b');
    const created = await c.arm('PUT', `${c.subscriptionPath}/resourceGroups/blob/providers/Microsoft.Compute/virtualMachines/b?api-version=2024-07-01`, spotVmBody(nicId, fs.readFileSync(`${keyPath}.pub`, 'utf8').trim()));
    assert.equal(created.status, 201, created.text);
    const identity = c.sandbox.azure.arm.vms.managedIdentityToken('blob', 'b', 'https://storage.azure.com/');
    assert.ok(identity, 'a VM with a system-assigned identity gets tokens');
    assert.equal(identity.token_type, 'Bearer');
    assert.equal(identity.resource, 'https://storage.azure.com/');
    const claims = JSON.parse(Buffer.from(identity.access_token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims.oid, (created.json.identity as { principalId: string }).principalId);

    const { azureBlob, azureContainer } = c.sandbox.endpoints;
    const ca = c.sandbox.azure.certificates.ca;
    const headers = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}`, 'x-ms-version': '2021-08-06', 'x-ms-date': new Date().toUTCString() });
    const blobUrl = `${azureBlob}/${azureContainer}/checkpoints/step-100.pt`;
    const withoutRole = await httpsRequest('PUT', `${blobUrl}?comp=block&blockid=${encodeURIComponent(Buffer.from('block-refused').toString('base64'))}`, ca, 'data', headers(identity.access_token));
    assert.equal(withoutRole.status, 403, withoutRole.text);
    assert.equal(withoutRole.headers['x-ms-error-code'], 'AuthorizationPermissionMismatch');
    assert.match(withoutRole.text, /<Error><Code>AuthorizationPermissionMismatch<\/Code><Message>This request is not authorized to perform this operation using this permission\./);
    const accountScope = `/${c.subscriptionPath}/resourceGroups/spotbox-sandbox-storage/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`;
    const granted = await c.arm('PUT', `${accountScope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`.slice(1), {
      properties: { roleDefinitionId: `/${c.subscriptionPath}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`, principalId: claims.oid, principalType: 'ServicePrincipal' },
    });
    assert.equal(granted.status, 201, granted.text);

    const parts = [randomBytes(64 * 1024), randomBytes(64 * 1024), randomBytes(1000)];
    const ids = parts.map((_part, index) => Buffer.from(`block-${String(index).padStart(6, '0')}`).toString('base64'));
    // Binary bodies: httpsRequest takes text, so the blocks go through https.request itself.
    const puts = await Promise.all(parts.map((part, index) => new Promise<number>((resolve, reject) => {
      const request = https.request(`${blobUrl}?comp=block&blockid=${encodeURIComponent(ids[index])}`, { method: 'PUT', ca, headers: { ...headers(identity.access_token), 'content-length': String(part.length) } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
      request.end(part);
    })));
    assert.deepEqual(puts, [201, 201, 201]);
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
    const committed = await httpsRequest('PUT', `${blobUrl}?comp=blocklist`, ca, list, { ...headers(identity.access_token), 'content-type': 'application/xml' });
    assert.equal(committed.status, 201, committed.text);
    const read = await new Promise<Buffer>((resolve, reject) => {
      https.get(blobUrl, { ca, headers: headers(identity.access_token) }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`Get Blob ${response.statusCode ?? 0}`))));
      }).on('error', reject);
    });
    assert.ok(read.equals(Buffer.concat(parts)), 'the blob is the blocks in order');

    const armToken = c.sandbox.azure.tokens.issue('https://management.azure.com/').token;
    const refused = await httpsRequest('GET', blobUrl, ca, undefined, headers(armToken));
    assert.ok(refused.status === 401 || refused.status === 403, `a token for ARM is refused by Blob (${refused.status})`);
  });
});
