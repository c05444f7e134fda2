import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GoogleAuth } from 'google-auth-library';
import { SpotboxError } from '../../../src/core/errors';
import { readGcloudConfig } from '../../../src/core/gcp/gcloudConfig';
import { CLOUD_PLATFORM_SCOPE, credentialSource, GcpAuth, GOOGLE_TOKEN_URL } from '../../../src/core/gcp/gcpAuth';
import { FakeGoogle, type RecordedRequest } from './fakeGoogle';

interface Claims {
  iss?: string;
  scope?: string;
  aud?: string;
  iat?: number;
  exp?: number;
}

/** Checks a JWT-bearer grant as Google's token endpoint would: form fields, RS256 signature, claims. */
function verifyGrant(request: RecordedRequest, publicKey: crypto.KeyObject): { header: Record<string, unknown>; claims: Claims } {
  const form = new URLSearchParams(request.body.toString('utf8'));
  assert.equal(request.method, 'POST');
  assert.match(String(request.headers['content-type']), /^application\/x-www-form-urlencoded/);
  assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer');
  const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
  assert.ok(crypto.verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url')), 'the assertion is signed with the key of the file');
  return { header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>, claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims };
}

describe('GCP credentials (google-auth-library, real JWT flow against a local token endpoint)', () => {
  let dir: string;
  let google: FakeGoogle;
  let publicKey: crypto.KeyObject;
  let keyFile: string;
  const tokens: string[] = [];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-gcpauth-'));
    const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    publicKey = pair.publicKey;
    google = await new FakeGoogle()
      .route((request) => {
        if (request.path !== '/token') return undefined;
        const token = `ya29.test-${tokens.length + 1}`;
        tokens.push(token);
        return { body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
      })
      .on('GET', '/compute/v1/projects/proj-1/zones/us-central1-a/instances', { body: { items: [] } })
      .start();
    keyFile = path.join(dir, 'sa.json');
    fs.writeFileSync(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        project_id: 'proj-1',
        private_key_id: 'k1',
        private_key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: 'spotbox@proj-1.iam.gserviceaccount.com',
        client_id: '1',
        token_uri: `${google.url}/token`,
      }),
    );
    tokens.length = 0;
  });

  afterEach(async () => {
    await google.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const configWith = (override?: string) => {
    fs.mkdirSync(path.join(dir, 'gcloud', 'configurations'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'gcloud', 'configurations', 'config_default'), `[core]\nproject = proj-1\n${override ? `[auth]\ncredential_file_override = ${override}\n` : ''}[api_endpoint_overrides]\ncompute = ${google.url}/compute/v1/\n`);
    return readGcloudConfig({ env: { CLOUDSDK_CONFIG: path.join(dir, 'gcloud') } });
  };

  it('google-auth-library 10.x by itself ignores token_uri and posts to Google (why GcpAuth redirects)', async () => {
    // If a library update starts honouring token_uri, this fails: GcpAuth's redirect can then go.
    const auth = new GoogleAuth({ credentials: JSON.parse(fs.readFileSync(keyFile, 'utf8')) as never, scopes: [CLOUD_PLATFORM_SCOPE] });
    const client = await auth.getClient();
    const urls: string[] = [];
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        urls.push(String(options.url));
        throw new Error('stop before the network');
      },
    });
    await assert.rejects(client.getAccessToken());
    assert.deepEqual(urls, [GOOGLE_TOKEN_URL]);
  });

  it('gets a token from the key file named by auth/credential_file_override, at its token_uri over http, and sends it as Bearer', async () => {
    const config = configWith(keyFile);
    const auth = new GcpAuth({ config, env: {} });
    assert.deepEqual(auth.source(), { kind: 'file', file: keyFile, origin: 'credential_file_override' });
    const url = `${config.endpoints.compute}projects/proj-1/zones/us-central1-a/instances`;
    const first = await auth.authorizedFetch(url);
    const second = await auth.authorizedFetch(url);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);

    const grants = google.requests.filter((request) => request.path === '/token');
    assert.equal(grants.length, 1, 'the token is cached between calls');
    const { header, claims } = verifyGrant(grants[0], publicKey);
    assert.equal(header.alg, 'RS256');
    assert.equal(claims.iss, 'spotbox@proj-1.iam.gserviceaccount.com');
    assert.equal(claims.scope, CLOUD_PLATFORM_SCOPE);
    // The library signs for Google's token URL whatever token_uri says: the sandbox must accept that audience.
    assert.equal(claims.aud, GOOGLE_TOKEN_URL);
    assert.ok(claims.exp !== undefined && claims.iat !== undefined && claims.exp - claims.iat <= 3600);

    const calls = google.apiRequests();
    assert.deepEqual(
      calls.map((call) => [call.method, call.path, call.headers.authorization]),
      [
        ['GET', '/compute/v1/projects/proj-1/zones/us-central1-a/instances', 'Bearer ya29.test-1'],
        ['GET', '/compute/v1/projects/proj-1/zones/us-central1-a/instances', 'Bearer ya29.test-1'],
      ],
    );
    assert.equal(await auth.credentialsProject(), 'proj-1');
  });

  it('turns a refused grant into an error with the next step', async () => {
    await google.close();
    google = await new FakeGoogle().on('POST', '/token', { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } }).start();
    const key = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as Record<string, string>;
    fs.writeFileSync(keyFile, JSON.stringify({ ...key, token_uri: `${google.url}/token` }));
    const auth = new GcpAuth({ config: configWith(keyFile), env: {} });
    await assert.rejects(auth.accessToken(), (error: unknown) => {
      assert.ok(error instanceof SpotboxError);
      assert.match(error.message, /Google refused the credentials .*sa\.json, from credential_file_override.*invalid_grant/);
      assert.match(error.nextStep ?? '', /gcloud auth application-default login/);
      return true;
    });
  });

  it('says which file is missing when the override names one that does not exist', () => {
    const auth = new GcpAuth({ config: configWith(path.join(dir, 'nope.json')), env: {} });
    assert.throws(
      () => auth.source(),
      (error: unknown) => error instanceof SpotboxError && /nope\.json .*auth\/credential_file_override of gcloud configuration "default".* does not exist/.test(error.message),
    );
  });

  it('follows ADC order: override, GOOGLE_APPLICATION_CREDENTIALS, the application-default login file, the metadata server', () => {
    const config = readGcloudConfig({ env: { CLOUDSDK_CONFIG: '/cfg' }, readFile: () => undefined });
    const wellKnown = path.join('/cfg', 'application_default_credentials.json');
    const all = new Set(['/override.json', '/gac.json', wellKnown]);
    const exists = (file: string) => all.has(file);
    assert.deepEqual(credentialSource({ ...config, credentialFileOverride: '/override.json' }, { GOOGLE_APPLICATION_CREDENTIALS: '/gac.json' }, exists), { kind: 'file', file: '/override.json', origin: 'credential_file_override' });
    assert.deepEqual(credentialSource(config, { GOOGLE_APPLICATION_CREDENTIALS: '/gac.json' }, exists), { kind: 'file', file: '/gac.json', origin: 'GOOGLE_APPLICATION_CREDENTIALS' });
    assert.deepEqual(credentialSource(config, {}, exists), { kind: 'file', file: wellKnown, origin: 'application-default login' });
    assert.deepEqual(
      credentialSource(config, {}, () => false),
      { kind: 'metadata' },
    );
  });

  it('without any credentials says to run gcloud auth application-default login, and loads the library only when asked', async () => {
    const saved = { ...process.env };
    // The library looks for its own well-known file under HOME and probes the metadata server.
    process.env.HOME = dir;
    process.env.METADATA_SERVER_DETECTION = 'none';
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    let loads = 0;
    try {
      const config = readGcloudConfig({ env: { CLOUDSDK_CONFIG: path.join(dir, 'empty') } });
      const auth = new GcpAuth({
        config,
        env: {},
        loadLibrary: async () => {
          loads++;
          return import('google-auth-library');
        },
      });
      assert.equal(loads, 0);
      await assert.rejects(auth.accessToken(), (error: unknown) => {
        assert.ok(error instanceof SpotboxError);
        assert.match(error.message, /No Google Cloud credentials found/);
        assert.match(error.nextStep ?? '', /^Run `gcloud auth application-default login` or choose a configuration/);
        return true;
      });
      assert.equal(loads, 1);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
