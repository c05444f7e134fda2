/**
 * The sandbox's Entra ID and ARM's token check, through @azure/identity 4.13.1 (Microsoft's own
 * client, run as a separate Node process with the sandbox's environment, so NODE_EXTRA_CA_CERTS is
 * what makes it trust the sandbox's HTTPS).
 */
import * as assert from 'node:assert/strict';
import { httpsRequest, runNodeClient, startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';

describe('Azure sandbox: Entra ID tokens and ARM authentication', function () {
  this.timeout(120_000);
  let directory: string;
  let context: AzureTestContext | undefined;

  before(async () => {
    directory = tempDir('spotbox-azure-entra-');
    context = await startAzureTestSandbox(directory);
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('ClientSecretCredential and EnvironmentCredential get ARM tokens that ARM accepts', async () => {
    const { sandbox } = context!;
    const result = await runNodeClient(`
      const { ClientSecretCredential, EnvironmentCredential } = require('@azure/identity');
      (async () => {
        const e = process.env;
        const credential = new ClientSecretCredential(e.AZURE_TENANT_ID, e.AZURE_CLIENT_ID, e.AZURE_CLIENT_SECRET, { authorityHost: e.AZURE_AUTHORITY_HOST, disableInstanceDiscovery: true });
        const token = await credential.getToken('https://management.azure.com/.default');
        const fromEnvironment = await new EnvironmentCredential({ disableInstanceDiscovery: true }).getToken('https://management.azure.com/.default');
        const response = await fetch(e.ARM + 'subscriptions?api-version=2022-12-01', { headers: { authorization: 'Bearer ' + token.token } });
        const claims = JSON.parse(Buffer.from(token.token.split('.')[1], 'base64url').toString());
        console.log(JSON.stringify({ status: response.status, body: await response.json(), claims, expiresOnTimestamp: token.expiresOnTimestamp, environmentOk: typeof fromEnvironment.token === 'string' }));
      })().catch((error) => { console.error(error); process.exit(1); });
    `, { ...sandbox.environment, ARM: sandbox.endpoints.azureArm });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    const subscriptions = (result.body as { value: Array<{ subscriptionId: string; tenantId: string; state: string }> }).value;
    assert.deepEqual(subscriptions.map((item) => [item.subscriptionId, item.tenantId, item.state]), [[sandbox.endpoints.azureSubscriptionId, sandbox.endpoints.azureTenantId, 'Enabled']]);
    const claims = result.claims as Record<string, unknown>;
    assert.equal(claims.aud, 'https://management.azure.com/');
    assert.equal(claims.iss, `https://sts.windows.net/${sandbox.endpoints.azureTenantId}/`);
    assert.equal(claims.tid, sandbox.endpoints.azureTenantId);
    assert.equal(claims.oid, sandbox.azure.principal.objectId);
    assert.ok(Number(result.expiresOnTimestamp) > Date.now() + 30 * 60_000);
    assert.equal(result.environmentOk, true);
  });

  it('a wrong client secret is AADSTS7000215 invalid_client, through @azure/identity too', async () => {
    const { sandbox } = context!;
    const result = await runNodeClient(`
      const { ClientSecretCredential } = require('@azure/identity');
      const e = process.env;
      new ClientSecretCredential(e.AZURE_TENANT_ID, e.AZURE_CLIENT_ID, 'not-the-secret', { authorityHost: e.AZURE_AUTHORITY_HOST, disableInstanceDiscovery: true })
        .getToken('https://management.azure.com/.default')
        .then(() => console.log(JSON.stringify({ ok: true })), (error) => console.log(JSON.stringify({ ok: false, name: error.name, message: String(error.message) })));
    `, sandbox.environment);
    assert.equal(result.ok, false);
    assert.match(String(result.message), /AADSTS7000215/);
  });

  it('ARM answers 401: no header, a token it did not sign, a token for another audience; 400 without api-version', async () => {
    const { sandbox, arm, subscriptionPath, token } = context!;
    const missing = await arm('GET', `${subscriptionPath}/resourcegroups?api-version=2021-04-01`, undefined, null);
    assert.equal(missing.status, 401);
    assert.equal((missing.json.error as { code: string }).code, 'AuthenticationFailed');
    assert.match(missing.headers['www-authenticate'], /^Bearer authorization_uri=/);
    const [header, payload] = token.split('.');
    const forged = await arm('GET', `${subscriptionPath}/resourcegroups?api-version=2021-04-01`, undefined, `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`);
    assert.equal(forged.status, 401);
    assert.equal((forged.json.error as { code: string }).code, 'InvalidAuthenticationToken');
    const storageToken = sandbox.azure.tokens.issue('https://storage.azure.com').token;
    const wrongAudience = await arm('GET', `${subscriptionPath}/resourcegroups?api-version=2021-04-01`, undefined, storageToken);
    assert.equal(wrongAudience.status, 401);
    const noVersion = await arm('GET', `${subscriptionPath}/resourcegroups`);
    assert.equal(noVersion.status, 400);
    assert.equal((noVersion.json.error as { code: string }).code, 'MissingApiVersionParameter');
  });

  it('the openid configuration names the v2 token endpoint; unknown tenants and bad scopes are Entra errors', async () => {
    const { sandbox } = context!;
    const ca = sandbox.azure.certificates.ca;
    const { azureAuthority: authority, azureTenantId: tenant } = sandbox.endpoints;
    const configuration = await httpsRequest('GET', `${authority}${tenant}/v2.0/.well-known/openid-configuration`, ca);
    assert.equal(configuration.status, 200);
    assert.equal(configuration.json.token_endpoint, `${authority}${tenant}/oauth2/v2.0/token`);
    const unknown = await httpsRequest('GET', `${authority}00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration`, ca);
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.json.error_description), /^AADSTS90002/);
    const badScope = await httpsRequest('POST', `${authority}${tenant}/oauth2/v2.0/token`, ca, new URLSearchParams({
      grant_type: 'client_credentials', client_id: sandbox.azure.principal.clientId, client_secret: sandbox.azure.principal.clientSecret, scope: 'https://management.azure.com/user_impersonation',
    }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(badScope.status, 400);
    assert.equal(badScope.json.error, 'invalid_scope');
  });
});
