/**
 * The token endpoint of the sandbox's service account: the key file is a real one (RSA key,
 * token_uri), the jwt-bearer grant is checked against that key, and the gcloud configuration and
 * the environment name everything a client needs.
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newTempDir, requestServiceAccountToken, startGcpTestSandbox, stopTestSandbox, type GcpTestContext } from './gcpHarness';

describe('sandbox GCP: service account, token endpoint and gcloud configuration', function () {
  this.timeout(60_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;

  before(async () => {
    directory = newTempDir('spotbox-gcp-oauth-');
    context = await startGcpTestSandbox(directory);
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('writes a service-account key file whose token_uri is the sandbox', () => {
    const keyFile = context!.sandbox.endpoints.gcpKeyFile;
    const key = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as Record<string, string>;
    assert.equal(key.type, 'service_account');
    assert.equal(key.project_id, 'spotbox-sandbox');
    assert.equal(key.client_email, 'spotbox-sandbox@spotbox-sandbox.iam.gserviceaccount.com');
    assert.match(key.private_key, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(key.token_uri, context!.sandbox.endpoints.gcpTokenUri);
    assert.match(key.token_uri, /^http:\/\/127\.0\.0\.1:\d+\/token$/);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  });

  it('refuses an assertion signed by another key, and one without scope', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = await requestServiceAccountToken(context!.sandbox.endpoints.gcpKeyFile, 'https://www.googleapis.com/auth/cloud-platform', stranger);
    assert.equal(forged.status, 400);
    assert.deepEqual(forged.json, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    const unscoped = await requestServiceAccountToken(context!.sandbox.endpoints.gcpKeyFile, '');
    assert.equal(unscoped.status, 400);
    assert.equal(unscoped.json.error, 'invalid_scope');
    const good = await requestServiceAccountToken(context!.sandbox.endpoints.gcpKeyFile, 'https://www.googleapis.com/auth/devstorage.read_write');
    assert.equal(good.status, 200);
    assert.equal(good.json.token_type, 'Bearer');
    assert.equal(good.json.expires_in, 3599);
    assert.match(String(good.json.access_token), /^ya29\./);
  });

  it('writes the gcloud configuration and the environment that selects it', () => {
    const { endpoints, environment } = context!.sandbox;
    assert.equal(environment.CLOUDSDK_CONFIG, path.join(directory!, 'gcloud'));
    assert.equal(environment.CLOUDSDK_ACTIVE_CONFIG_NAME, 'spotbox-sandbox');
    assert.equal(environment.STORAGE_EMULATOR_HOST, endpoints.gcpStorage);
    const config = fs.readFileSync(path.join(directory!, 'gcloud', 'configurations', 'config_spotbox-sandbox'), 'utf8');
    const port = (url: string): string => new URL(url).port;
    assert.match(config, /^\[core\]\nproject = spotbox-sandbox$/m);
    assert.match(config, new RegExp(`^\\[auth\\]\\ncredential_file_override = ${endpoints.gcpKeyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(config, new RegExp(`^compute = http://127\\.0\\.0\\.1:${port(endpoints.gcpCompute)}/compute/v1/$`, 'm'));
    assert.match(config, new RegExp(`^storage = http://127\\.0\\.0\\.1:${port(endpoints.gcpStorage)}/storage/v1/$`, 'm'));
    const written = JSON.parse(fs.readFileSync(path.join(directory!, 'endpoints.json'), 'utf8')) as Record<string, string>;
    assert.equal(written.gcpCompute, endpoints.gcpCompute);
  });
});
