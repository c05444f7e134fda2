/**
 * The sandbox's storage account (Azurite's devstoreaccount1 as a Microsoft.Storage resource) and role
 * assignments over the wire: "Storage Blob Data Contributor" for a scale set's identity on the
 * account, the list by principal, 409 RoleAssignmentExists, 400 PrincipalNotFound and
 * RoleDefinitionDoesNotExist, DELETE 200/204, and the assignment outliving its scale set (as on
 * Azure); Blob refusing the identity's token (403 AuthorizationPermissionMismatch) until it holds
 * the role. And the running sandbox's Retail Prices API, read by Spotbox's own client with the
 * sandbox's environment (one sandbox for the file).
 */
import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { httpsRequest, runNodeClient, startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';
import { createScaleSetNetwork, scaleSetBody } from './scaleSetHarness';

const AUTHORIZATION = '?api-version=2022-04-01';
const STORAGE = '?api-version=2023-05-01';
const COMPUTE = '?api-version=2024-07-01';
const BLOB_DATA_CONTRIBUTOR = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';

describe('Azure sandbox: the storage account, role assignments, the Retail Prices API', function () {
  this.timeout(120_000);
  let directory: string;
  let context: AzureTestContext | undefined;

  before(async () => {
    directory = tempDir('spotbox-azure-rbac-');
    context = await startAzureTestSandbox(directory);
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('serves Azurite\'s account as a storage account resource whose blob endpoint is the advertised one', async () => {
    const c = context!;
    const listed = await c.arm('GET', `${c.subscriptionPath}/providers/Microsoft.Storage/storageAccounts${STORAGE}`);
    assert.equal(listed.status, 200, listed.text);
    const [account, ...others] = listed.json.value as Array<{ id: string; name: string; kind: string; properties: { primaryEndpoints: { blob: string } } }>;
    assert.equal(others.length, 0);
    assert.equal(account.name, 'devstoreaccount1');
    assert.equal(account.kind, 'StorageV2');
    assert.equal(account.properties.primaryEndpoints.blob, `${c.sandbox.endpoints.azureBlob}/`);
    const one = await c.arm('GET', `${account.id}${STORAGE}`.replace(/^\//, ''));
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.id, `/${c.subscriptionPath}/resourceGroups/spotbox-sandbox-storage/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`);
  });

  it('grants Storage Blob Data Contributor to a scale set\'s identity: create, list by principal, conflict, unknown principal, delete; the assignment outlives the scale set', async () => {
    const c = context!;
    assert.equal((await c.arm('PUT', `${c.subscriptionPath}/resourceGroups/rbac?api-version=2021-04-01`, { location: 'eastus' })).status, 201);
    const body = scaleSetBody(await createScaleSetNetwork(c, 'rbac'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOZ7X1m0Y4yqkq8cJZJ3Y6pV3rL2x8b0c9d1e2f3a4b5 tester');
    const scaleSetPath = `${c.subscriptionPath}/resourceGroups/rbac/providers/Microsoft.Compute/virtualMachineScaleSets/box${COMPUTE}`;
    const created = await c.arm('PUT', scaleSetPath, { ...body, sku: { name: 'Standard_NC4as_T4_v3', capacity: 0 } });
    assert.equal(created.status, 201, created.text);
    const principalId = (created.json.identity as { principalId: string }).principalId;

    const accountScope = `/${c.subscriptionPath}/resourceGroups/spotbox-sandbox-storage/providers/Microsoft.Storage/storageAccounts/devstoreaccount1`;
    const roleDefinitionId = `/${c.subscriptionPath}/providers/Microsoft.Authorization/roleDefinitions/${BLOB_DATA_CONTRIBUTOR}`;
    const assignmentPath = (scope: string, name: string): string => `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}${AUTHORIZATION}`.replace(/^\//, '');
    const grant = (name: string, principal: string, role = roleDefinitionId): ReturnType<AzureTestContext['arm']> => c.arm('PUT', assignmentPath(accountScope, name), { properties: { roleDefinitionId: role, principalId: principal, principalType: 'ServicePrincipal' } });

    const unknown = await grant(randomUUID(), randomUUID());
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json.error as { code: string }).code, 'PrincipalNotFound');
    const badRole = await grant(randomUUID(), principalId, `/${c.subscriptionPath}/providers/Microsoft.Authorization/roleDefinitions/${randomUUID()}`);
    assert.equal((badRole.json.error as { code: string }).code, 'RoleDefinitionDoesNotExist');

    // Blob, through the sandbox's role-checking proxy, with a token of the scale set's identity.
    const { token: identityToken } = c.sandbox.azure.tokens.issue('https://storage.azure.com', { objectId: principalId });
    const putBlob = (): ReturnType<typeof httpsRequest> => httpsRequest('PUT', `${c.sandbox.endpoints.azureBlob}/${c.sandbox.endpoints.azureContainer}/rbac/checkpoint.txt`, c.sandbox.azure.certificates.ca, 'step 1', {
      authorization: `Bearer ${identityToken}`, 'x-ms-version': '2021-08-06', 'x-ms-date': new Date().toUTCString(), 'x-ms-blob-type': 'BlockBlob',
    });
    const before = await putBlob();
    assert.equal(before.status, 403, before.text);
    assert.equal(before.headers['x-ms-error-code'], 'AuthorizationPermissionMismatch');

    const name = randomUUID();
    const granted = await grant(name, principalId);
    assert.equal(granted.status, 201, granted.text);
    const after = await putBlob();
    assert.equal(after.status, 201, after.text);
    assert.deepEqual({ ...(granted.json.properties as Record<string, unknown>), createdOn: undefined, updatedOn: undefined, createdBy: undefined, updatedBy: undefined }, {
      roleDefinitionId, principalId, principalType: 'ServicePrincipal', scope: accountScope, condition: null, conditionVersion: null,
      createdOn: undefined, updatedOn: undefined, createdBy: undefined, updatedBy: undefined, delegatedManagedIdentityResourceId: null, description: null,
    });
    assert.equal(granted.json.id, `${accountScope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    const again = await grant(randomUUID(), principalId);
    assert.equal(again.status, 409);
    assert.equal((again.json.error as { code: string }).code, 'RoleAssignmentExists');

    const filter = `&$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}`;
    const atAccount = await c.arm('GET', `${assignmentPath(accountScope, '').replace(/\/\?/, '?')}${filter}`);
    assert.equal(atAccount.status, 200, atAccount.text);
    assert.deepEqual((atAccount.json.value as Array<{ name: string }>).map((item) => item.name), [name]);
    const atSubscription = await c.arm('GET', `${c.subscriptionPath}/providers/Microsoft.Authorization/roleAssignments${AUTHORIZATION}${filter}`);
    assert.deepEqual((atSubscription.json.value as Array<{ name: string }>).map((item) => item.name), [name], 'the subscription list includes assignments below it');
    assert.equal((await c.arm('GET', assignmentPath(accountScope, name))).status, 200);

    const deleted = await c.arm('DELETE', scaleSetPath);
    assert.equal(deleted.status, 202);
    assert.equal((await c.waitForOperation(deleted.headers['azure-asyncoperation'])).status, 'Succeeded');
    assert.equal((await c.arm('GET', assignmentPath(accountScope, name))).status, 200, 'an orphaned assignment stays, as on Azure');

    const removed = await c.arm('DELETE', assignmentPath(accountScope, name));
    assert.equal(removed.status, 200);
    assert.equal((removed.json as { name: string }).name, name);
    assert.equal((await c.arm('DELETE', assignmentPath(accountScope, name))).status, 204);
    const gone = await c.arm('GET', assignmentPath(accountScope, name));
    assert.equal(gone.status, 404);
    assert.equal((gone.json.error as { code: string }).code, 'RoleAssignmentNotFound');
  });

  it('runs the Retail Prices API: its port in ports.json, azureRetailPrices, and SPOTBOX_AZURE_RETAIL_PRICES_URL for Spotbox\'s client', async () => {
    const { sandbox } = context!;
    assert.match(sandbox.endpoints.azureRetailPrices, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(sandbox.environment.SPOTBOX_AZURE_RETAIL_PRICES_URL, sandbox.endpoints.azureRetailPrices);
    const ports = JSON.parse(fs.readFileSync(path.join(directory, 'ports.json'), 'utf8')) as { azureRetailPrices?: number };
    assert.equal(ports.azureRetailPrices, Number(new URL(sandbox.endpoints.azureRetailPrices).port));
    // As the editor reads them: a Node started with the sandbox's environment (it trusts the sandbox's CA).
    const client = path.resolve(__dirname, '../../../src/core/azure/azureRetailPrices.js');
    const live = await runNodeClient(`
      const { AzureRetailPrices, azureRetailPricesUrl } = require(${JSON.stringify(client)});
      new AzureRetailPrices({ baseUrl: azureRetailPricesUrl(process.env) }).prices(['Standard_NC4as_T4_v3'], ['eastus'])
        .then((found) => console.log(JSON.stringify(found.prices.get('Standard_NC4as_T4_v3').get('eastus'))), (error) => { console.error(String(error.cause ?? error)); process.exit(1); });`, sandbox.environment);
    const spot = sandbox.azure.retailPrices.items.find((item) => item.armSkuName === 'Standard_NC4as_T4_v3' && item.armRegionName === 'eastus' && item.type === 'Consumption' && item.skuName.endsWith(' Spot') && !item.productName.endsWith(' Windows'));
    assert.ok(spot, 'the sandbox lists the Linux Spot meter');
    assert.equal(live.spotUsdPerHour, spot.retailPrice);
  });
});
