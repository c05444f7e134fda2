/**
 * What the GCP sandbox tests share: a sandbox with fast boots, an access token obtained the way a
 * service-account key file is used (an RS256 assertion to its token_uri), a small JSON client for
 * the emulators, and an operation loop like a client's (wait until DONE).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningSandbox, SandboxOptions } from '../../../sandbox/sandbox';
import { createGcpClients, type GcpClients } from '../../../src/core/gcp/gcpClients';
import { startTestSandbox, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';

export { eventually, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';

export const ZONE = 'us-central1-a';

export interface GcpTestContext {
  readonly sandbox: RunningSandbox;
  readonly token: string;
  /** Compute API root, ending in /projects/<project>/ */
  readonly projectUrl: string;
  call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
}

export async function startGcpTestSandbox(directory: string, overrides: Partial<SandboxOptions> = {}): Promise<GcpTestContext> {
  const sandbox = await startTestSandbox(directory, overrides);
  const token = await serviceAccountToken(sandbox.endpoints.gcpKeyFile, 'https://www.googleapis.com/auth/cloud-platform');
  const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return { sandbox, token, projectUrl: `${sandbox.endpoints.gcpCompute}projects/${sandbox.endpoints.gcpProject}/`, call };
}

/** The service-account flow of Google's auth libraries: a signed JWT to the key file's token_uri. */
export async function serviceAccountToken(keyFile: string, scope: string, signingKeyPem?: string): Promise<string> {
  const response = await requestServiceAccountToken(keyFile, scope, signingKeyPem);
  assert.equal(response.status, 200, JSON.stringify(response.json));
  return String(response.json.access_token);
}

export async function requestServiceAccountToken(keyFile: string, scope: string, signingKeyPem?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const key = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { client_email: string; private_key: string; private_key_id: string; token_uri: string };
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id })}.${encode({ iss: key.client_email, scope, aud: key.token_uri, iat: now, exp: now + 3600 })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(signingKeyPem ?? key.private_key).toString('base64url');
  const response = await fetch(key.token_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` }).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Loops on operations.wait (zonal, regional or global) until the operation is DONE, as clients must (wait may answer early). */
export async function waitForOperation(context: GcpTestContext, operation: Record<string, unknown>, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let current = operation;
  while (current.status !== 'DONE') {
    assert.ok(Date.now() < deadline, `operation ${String(current.name)} still ${String(current.status)}`);
    const scope = typeof current.zone === 'string'
      ? `zones/${String(current.zone).split('/').pop()}`
      : typeof current.region === 'string' ? `regions/${String(current.region).split('/').pop()}` : 'global';
    const { status, json } = await context.call('POST', `${context.projectUrl}${scope}/operations/${String(current.name)}/wait`);
    assert.equal(status, 200, JSON.stringify(json));
    current = json;
  }
  return current;
}

/** A fresh ed25519 key pair: the private key's path and the public key line. */
export function sshKeyPair(directory: string, name = 'id_ed25519'): { privateKeyPath: string; privateKey: string; publicKey: string } {
  const privateKeyPath = path.join(directory, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tester@spotbox', '-f', privateKeyPath]);
  return { privateKeyPath, privateKey: fs.readFileSync(privateKeyPath, 'utf8'), publicKey: fs.readFileSync(`${privateKeyPath}.pub`, 'utf8').trim() };
}

/** An insert body as Spotbox sends it: a Spot VM with its GPU, labels, ssh-keys and host keys published. */
export function spotInsertBody(name: string, publicKey: string, extra: { machineType?: string; startupScript?: string; terminationAction?: 'STOP' | 'DELETE'; noticeSeconds?: number; labels?: Record<string, string> } = {}): Record<string, unknown> {
  return {
    name,
    machineType: `zones/${ZONE}/machineTypes/${extra.machineType ?? 'g2-standard-4'}`,
    labels: extra.labels ?? { owner: 'spotbox', box: name },
    disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/deeplearning-platform-release/global/images/family/common-cu124-ubuntu-2204', diskSizeGb: '100' } }],
    networkInterfaces: [{ network: 'global/networks/default', accessConfigs: [{ type: 'ONE_TO_ONE_NAT', name: 'External NAT' }] }],
    scheduling: {
      provisioningModel: 'SPOT',
      instanceTerminationAction: extra.terminationAction ?? 'DELETE',
      onHostMaintenance: 'TERMINATE',
      automaticRestart: false,
      ...(extra.noticeSeconds !== undefined ? { preemptionNoticeDuration: { seconds: String(extra.noticeSeconds) } } : {}),
    },
    metadata: {
      items: [
        { key: 'ssh-keys', value: `alice:${publicKey}` },
        { key: 'enable-guest-attributes', value: 'TRUE' },
        ...(extra.startupScript ? [{ key: 'startup-script', value: extra.startupScript }] : []),
      ],
    },
    serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
  };
}

export function newTempDir(prefix: string): string {
  return tempDir(prefix);
}

/** What a suite driving Spotbox's own GCP pipeline (src/core/gcp) holds: its clients, a key folder, the sandbox's control API. */
export interface GcpPipelineSuite {
  readonly clients: GcpClients;
  readonly keyDirectory: string;
  /** POSTs to the sandbox's control API (faults, preemptions) and expects 200. */
  control(route: string, body: Record<string, unknown>): Promise<void>;
}

/**
 * Mocha hooks for such a suite: a sandbox in a temp folder, the clients the gcloud configuration it
 * wrote gives, and a key folder; all stopped and removed after. Read the fields inside tests only.
 */
export function useGcpPipelineSandbox(prefix: string): GcpPipelineSuite {
  let directory: string | undefined;
  let context: GcpTestContext | undefined;
  const suite = {} as { clients: GcpClients; keyDirectory: string };
  before(async () => {
    directory = tempDir(prefix);
    context = await startGcpTestSandbox(directory);
    suite.keyDirectory = fs.mkdtempSync(path.join(directory, 'keys-'));
    suite.clients = await createGcpClients({ configuration: 'spotbox-sandbox' });
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });
  return {
    get clients() {
      return suite.clients;
    },
    get keyDirectory() {
      return suite.keyDirectory;
    },
    async control(route, body) {
      const response = await fetch(`${context!.sandbox.endpoints.control}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(response.status, 200, await response.text());
    },
  };
}
