import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpotboxError } from '../../../src/core/errors';
import { createGcpClients } from '../../../src/core/gcp/gcpClients';
import { hostKeysFromGuestAttributes, readBoxHostKeys } from '../../../src/core/gcp/gceHostKeys';
import { buildSpotInstance } from '../../../src/core/gcp/gceInstanceRequest';
import { fingerprintOfKeyBlob } from '../../../src/core/ssh/hostKeyFingerprints';
import { FakeGoogle, googleError } from './fakeGoogle';

/** An ed25519 public key as the SSH wire blob (string "ssh-ed25519", string key), base64. */
function ed25519Blob(): string {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const field = (data: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, data.length]), data]);
  return Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64');
}

describe('GCP clients over one gcloud configuration (as the sandbox writes it)', () => {
  let dir: string;
  let google: FakeGoogle;
  const P = '/compute/v1/projects/sandbox-proj';

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-gcpclients-'));
    google = await new FakeGoogle().on('POST', '/token', { body: { access_token: 'ya29.sandbox', expires_in: 3600, token_type: 'Bearer' } }).start();
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = path.join(dir, 'key.json');
    fs.writeFileSync(key, JSON.stringify({ type: 'service_account', project_id: 'key-proj', private_key_id: 'k', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: 'sb@sandbox-proj.iam.gserviceaccount.com', token_uri: `${google.url}/token` }));
    fs.mkdirSync(path.join(dir, 'gcloud', 'configurations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gcloud', 'active_config'), 'spotbox-sandbox');
    fs.writeFileSync(
      path.join(dir, 'gcloud', 'configurations', 'config_spotbox-sandbox'),
      `[core]\nproject = sandbox-proj\n[auth]\ncredential_file_override = ${key}\n[api_endpoint_overrides]\ncompute = ${google.url}/compute/v1/\nstorage = ${google.url}/storage/v1/\ncloudbilling = ${google.url}/\n`,
    );
  });
  afterEach(async () => {
    await google.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends Compute, GCS and Billing calls to the configured endpoints with the token from the key\'s token_uri', async () => {
    google.on('POST', `${P}/zones/us-central1-a/instances`, { body: { name: 'operation-1', status: 'DONE', zone: `${google.url}/compute/v1/projects/sandbox-proj/zones/us-central1-a` } });
    google.on('GET', '/storage/v1/b/ckpts/o', { body: { prefixes: ['spotbox/S1/'] } });
    google.on('GET', '/v1/services/6F81-5844-456A/skus', { body: { skus: [] } });
    const clients = await createGcpClients({ env: { CLOUDSDK_CONFIG: path.join(dir, 'gcloud') } });
    assert.equal(clients.project, 'sandbox-proj');
    const operation = await clients.compute.insertInstance(
      'us-central1-a',
      buildSpotInstance({
        name: 'box-1',
        project: 'sandbox-proj',
        zone: 'us-central1-a',
        machineType: 'g2-standard-4',
        image: 'projects/debian-cloud/global/images/family/debian-12',
        diskSizeGb: 50,
        sshUser: 'spotbox',
        sshPublicKey: `ssh-ed25519 ${ed25519Blob()} me`,
        labels: { box: 'box-1', owner: 'o1' },
      }),
    );
    await clients.compute.waitForOperation(operation, { deadline: Date.now() + 10_000 });
    assert.deepEqual((await clients.gcs.list('ckpts', 'spotbox/', { delimiter: '/' })).prefixes, ['spotbox/S1/']);
    assert.deepEqual(await clients.billing.computeSkus(), []);
    assert.deepEqual(
      google.requests.map((request) => `${request.method} ${request.path} ${request.headers.authorization ?? '-'}`),
      [`POST /token -`, `POST ${P}/zones/us-central1-a/instances Bearer ya29.sandbox`, `GET /storage/v1/b/ckpts/o Bearer ya29.sandbox`, `GET /v1/services/6F81-5844-456A/skus Bearer ya29.sandbox`],
    );
  });

  it('without a project anywhere, falls back to the key\'s project_id; a configuration without one and no key says what to do', async () => {
    const config = path.join(dir, 'gcloud', 'configurations', 'config_spotbox-sandbox');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('project = sandbox-proj\n', ''));
    assert.equal((await createGcpClients({ env: { CLOUDSDK_CONFIG: path.join(dir, 'gcloud') } })).project, 'key-proj');
    fs.writeFileSync(path.join(dir, 'gcloud', 'configurations', 'config_bare'), '[core]\n');
    await assert.rejects(
      createGcpClients({ env: { CLOUDSDK_CONFIG: path.join(dir, 'gcloud'), GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'missing.json') }, configuration: 'bare' }),
      (error: unknown) => error instanceof SpotboxError && /GOOGLE_APPLICATION_CREDENTIALS/.test(error.message),
    );
  });

  it('reads host keys from guest attributes, else from the serial port\'s cloud-init blocks', async () => {
    const blob = ed25519Blob();
    const fingerprint = fingerprintOfKeyBlob(Buffer.from(blob, 'base64'));
    google.on('GET', `${P}/zones/us-central1-a/instances/box-1/getGuestAttributes`, { body: { queryPath: 'hostkeys/', queryValue: { items: [{ namespace: 'hostkeys', key: 'ssh-ed25519', value: `${blob}\n` }] } } });
    google.on('GET', `${P}/zones/us-central1-a/instances/box-2/getGuestAttributes`, googleError(404, 'not found', 'notFound'));
    google.on('GET', `${P}/zones/us-central1-a/instances/box-2/serialPort`, {
      body: { contents: `ci-info: -----BEGIN SSH HOST KEY FINGERPRINTS-----\nci-info: 256 ${fingerprint} root@box-2 (ED25519)\n-----END SSH HOST KEY FINGERPRINTS-----\n-----BEGIN SSH HOST KEY KEYS-----\nssh-ed25519 ${blob} root@box-2\n-----END SSH HOST KEY KEYS-----\n`, next: '400' },
    });
    const { compute } = await createGcpClients({ env: { CLOUDSDK_CONFIG: path.join(dir, 'gcloud') } });
    const fromAttributes = await readBoxHostKeys(compute, 'us-central1-a', 'box-1');
    assert.equal(fromAttributes?.source, 'guest-attributes');
    assert.deepEqual(
      fromAttributes?.keys.map((key) => [key.keyType, key.base64, key.fingerprint]),
      [['ssh-ed25519', blob, fingerprint]],
    );
    const fromSerial = await readBoxHostKeys(compute, 'us-central1-a', 'box-2');
    assert.equal(fromSerial?.source, 'serial-port');
    assert.equal(fromSerial?.keys[0].fingerprint, fingerprint);
  });

  it('refuses a guest attribute whose blob names another key type', () => {
    assert.deepEqual(hostKeysFromGuestAttributes([{ namespace: 'hostkeys', key: 'ssh-rsa', value: ed25519Blob() }]), []);
  });
});

describe('GCP clients stay out of the activation path', () => {
  it('loading src/core/gcp and creating the clients does not load google-auth-library; the first call does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-gcplazy-'));
    try {
      fs.mkdirSync(path.join(dir, 'configurations'));
      fs.writeFileSync(path.join(dir, 'configurations', 'config_default'), '[core]\nproject = p\n');
      // A fresh process: this one already loaded the library for the other tests.
      const probe = `
        const loaded = () => Object.keys(require.cache).some((file) => file.includes('google-auth-library'));
        const { createGcpClients } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/gcp/gcpClients.js'))});
        const afterRequire = loaded();
        createGcpClients({ env: { CLOUDSDK_CONFIG: ${JSON.stringify(dir)} } }).then(async (clients) => {
          const afterCreate = loaded();
          await clients.auth.accessToken().catch(() => undefined);
          process.stdout.write(JSON.stringify({ afterRequire, afterCreate, afterCall: loaded() }));
        });`;
      const result = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { ...process.env, METADATA_SERVER_DETECTION: 'none', GOOGLE_APPLICATION_CREDENTIALS: '', HOME: dir } })) as Record<string, boolean>;
      assert.deepEqual(result, { afterRequire: false, afterCreate: false, afterCall: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
