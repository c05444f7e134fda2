/**
 * The assembled agent against Azurite (Microsoft's Blob emulator) over HTTPS with a bearer token, as a box on Azure
 * talks to Blob storage: a checkpoint of a few MB goes up as parallel Put Block calls and a Put Block List (the
 * manifest last), a second one copies the unchanged file with Copy Blob, and the restore lists and reads it back.
 * The token comes from a small IMDS stub the agent finds through AZURE_POD_IDENTITY_AUTHORITY_HOST; Azurite's basic
 * OAuth checks its issuer, audience and lifetime (not its signature), so the stub's JWT is unsigned.
 */
import * as assert from 'node:assert/strict';
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { assembleAgentForTests } from '../../assembledAgent';

const REPO_ROOT = path.resolve(__dirname, '../../../..');
const AGENT_DIR = path.join(REPO_ROOT, 'resources', 'agent');
const ACCOUNT = 'devstoreaccount1';
const CONTAINER = 'ckpt';
// 8 MiB is the agent's block size: two full blocks and a short one.
const MODEL_BYTES = 2 * (8 << 20) + 12_345;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-shaped managed identity token for Blob storage, as IMDS would issue it (unsigned: Azurite does not check). */
function storageToken(tenant: string): { token: string; expiresOn: number } {
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: 'https://storage.azure.com', iss: `https://sts.windows.net/${tenant}/`, iat: now, nbf: now - 60, exp: now + 3600, oid: randomUUID(), tid: tenant };
  return { token: `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJl`, expiresOn: now + 3600 };
}

describe('sandbox Azure: the agent checkpoints to Blob storage (Azurite, HTTPS, bearer token)', function () {
  this.timeout(240_000);
  let directory = '';
  let azurite: ChildProcess | undefined;
  let imds: http.Server | undefined;
  let blobEndpoint = '';
  let imdsUrl = '';
  let cert = '';
  const tenant = randomUUID();
  const tokenRequests: string[] = [];

  /** A request to Azurite with a fresh token, trusting the test's certificate. */
  const blobCall = (method: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> =>
    new Promise((resolve, reject) => {
      const request = https.request(`${blobEndpoint}${url}`, {
        method,
        ca: readFileSync(cert),
        headers: { authorization: `Bearer ${storageToken(tenant).token}`, 'x-ms-version': '2021-08-06', 'x-ms-date': new Date().toUTCString(), 'content-length': '0', ...headers },
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      request.on('error', reject);
      request.end();
    });

  before(async () => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'spotbox-azure-agent-'));
    cert = path.join(directory, 'cert.pem');
    const key = path.join(directory, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE'], { stdio: 'ignore' });

    imds = http.createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://imds');
      if (request.headers.metadata !== 'true' || url.pathname !== '/metadata/identity/oauth2/token' || url.searchParams.get('api-version') !== '2018-02-01') {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
        return;
      }
      const resource = url.searchParams.get('resource') ?? '';
      tokenRequests.push(resource);
      const { token, expiresOn } = storageToken(tenant);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        access_token: token, refresh_token: '', expires_in: '3600', expires_on: String(expiresOn), not_before: String(expiresOn - 3600), resource, token_type: 'Bearer',
      }));
    });
    await new Promise<void>((resolve) => imds!.listen(0, '127.0.0.1', resolve));
    imdsUrl = `http://127.0.0.1:${(imds.address() as net.AddressInfo).port}`;

    const port = await freePort();
    azurite = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'azurite-blob'), [
      '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', path.join(directory, 'azurite'), '--cert', cert, '--key', key,
      '--oauth', 'basic', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent',
    ], { stdio: 'ignore' });
    blobEndpoint = `https://127.0.0.1:${port}/${ACCOUNT}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const created = await blobCall('PUT', `/${CONTAINER}?restype=container`);
        assert.equal(created.status, 201, created.body);
        break;
      } catch (e) {
        if (Date.now() > deadline || e instanceof assert.AssertionError) {
          throw e;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });

  after(async () => {
    if (azurite?.pid !== undefined && azurite.exitCode === null) {
      const exited = new Promise((resolve) => azurite!.once('exit', resolve));
      azurite.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => (imds ? imds.close(resolve) : resolve(undefined)));
    rmSync(directory, { recursive: true, force: true });
  });

  it('uploads a checkpoint as blocks with the manifest last, copies what did not change, and restores the bytes', async () => {
    const home = path.join(directory, 'home');
    const model = randomBytes(MODEL_BYTES);
    const config = { cloud: 'azure', session: 'run-1', prefix: 'sb', container: CONTAINER, blobEndpoint, checkpointDir: '~/checkpoints', workspaceDir: '~/workspace', uploadAttempts: 3 };
    const script = `
import json, os, runpy, sys
sys.path[:0] = ${JSON.stringify([assembleAgentForTests(), AGENT_DIR])}
import spotbox_agent as agent
home = os.environ['HOME']
def write(rel, data):
    os.makedirs(os.path.dirname(os.path.join(home, rel)), exist_ok=True)
    with open(os.path.join(home, rel), 'wb') as f:
        f.write(data)
os.makedirs(os.path.join(home, '.spotbox'), exist_ok=True)
with open(os.path.join(home, '.spotbox', 'agent.json'), 'w') as f:
    json.dump(json.loads(sys.argv[1]), f)
cfg = agent.load_config(os.path.join(home, '.spotbox', 'agent.json'))
with open(sys.argv[2], 'rb') as f:
    write('checkpoints/model.pt', f.read())
write('checkpoints/progress.json', b'{"step": 100}')
write('workspace/train.py', b'print("train")\\n')
journal = agent.Journal(cfg['journal'])
first = agent.take_checkpoint(cfg, agent.cloud_for(cfg).storage(), journal, 'periodic', 'vm-1')
write('checkpoints/progress.json', b'{"step": 200}')
second = agent.take_checkpoint(cfg, agent.cloud_for(cfg).storage(), journal, 'notice', 'vm-1')
store = agent.cloud_for(cfg).storage()
listed = store.list('sb/run-1/', '/')
session = runpy.run_path(os.path.join(${JSON.stringify(AGENT_DIR)}, 'spotbox_session.py'))
restored = session['restore_checkpoint'](agent, cfg, None, os.path.join(home, 'restored', 'files'), os.path.join(home, 'restored', 'ws'))
print(json.dumps({'first': first, 'second': second, 'listed': listed, 'restored': restored,
                  'committed': [e for e in agent.read_journal(cfg['journal']) if e['type'] in ('checkpoint-committed', 'checkpoint-failed', 'upload-retry')]}))
`;
    const modelFile = path.join(directory, 'model.bin');
    writeFileSync(modelFile, model);
    // Asynchronous: the IMDS stub answers from this process while the agent runs.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('python3', ['-B', '-c', script, JSON.stringify(config), modelFile], {
        env: { ...process.env, HOME: home, AZURE_POD_IDENTITY_AUTHORITY_HOST: imdsUrl, SSL_CERT_FILE: cert },
        timeout: 180_000, maxBuffer: 1 << 24,
      }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)));
    });
    const result = JSON.parse(stdout) as {
      first: { seq: number } | null; second: { seq: number; step: number; files: { path: string; key: string; sha256: string }[] } | null;
      listed: [string[], string[]]; restored: { seq: number; step: number; files: number };
      committed: { type: string; seq?: number; uploaded?: number; copied?: number; parts?: number; error?: string }[];
    };
    assert.ok(result.first && result.second, JSON.stringify(result.committed));
    assert.deepEqual(result.committed.map((e) => [e.type, e.seq, e.copied, e.parts]), [['checkpoint-committed', 1, 0, 3], ['checkpoint-committed', 2, 2, 0]]);
    assert.deepEqual(result.listed, [['sb/run-1/session.json'], ['sb/run-1/000001/', 'sb/run-1/000002/']]);
    assert.deepEqual([result.restored.seq, result.restored.step, result.restored.files], [2, 200, 3]);
    assert.ok(tokenRequests.length >= 1 && tokenRequests.every((resource) => resource === 'https://storage.azure.com/'), JSON.stringify(tokenRequests));

    // The bytes came back, and the manifest's hash is theirs.
    const restoredModel = readFileSync(path.join(home, 'restored', 'files', 'model.pt'));
    assert.ok(restoredModel.equals(model), 'the restored model is the one uploaded');
    const entry = result.second.files.find((file) => file.path === 'model.pt')!;
    assert.equal(entry.sha256, createHash('sha256').update(model).digest('hex'));

    // In Azurite: the first model is three committed blocks of one id length; the second a Copy Blob of it.
    const blocks = await blobCall('GET', `/${CONTAINER}/sb/run-1/000001/files/model.pt?comp=blocklist&blocklisttype=committed`);
    assert.equal(blocks.status, 200, blocks.body);
    const ids = [...blocks.body.matchAll(/<Block><Name>([^<]+)<\/Name><Size>(\d+)<\/Size><\/Block>/g)];
    assert.deepEqual(ids.map((m) => Number(m[2])), [8 << 20, 8 << 20, 12_345]);
    assert.equal(new Set(ids.map((m) => Buffer.from(m[1], 'base64').length)).size, 1);
    const copied = await blobCall('HEAD', `/${CONTAINER}/${entry.key}`);
    assert.equal(copied.status, 200);
    assert.equal(copied.headers['x-ms-copy-status'], 'success', 'the unchanged model was copied server-side');
    const manifest = await blobCall('GET', `/${CONTAINER}/sb/run-1/000002/manifest.json`);
    assert.equal(JSON.parse(manifest.body).seq, 2);
  });
});
