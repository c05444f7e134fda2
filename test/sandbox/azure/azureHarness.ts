/**
 * What the Azure sandbox tests share: a sandbox with fast boots; an HTTPS JSON client for ARM that
 * trusts the sandbox's CA (this process started before the CA existed, so NODE_EXTRA_CA_CERTS
 * cannot apply to it); a token from the Entra endpoint; and a way to run a Node client as a
 * separate process with the sandbox's environment, as a user's tools would run.
 */
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as https from 'node:https';
import * as path from 'node:path';
import type { RunningSandbox, SandboxOptions } from '../../../sandbox/sandbox';
import { startTestSandbox } from '../e2e/sandboxHarness';

export { eventually, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';

export const LOCATION = 'eastus';

export interface HttpsReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

export interface AzureTestContext {
  readonly sandbox: RunningSandbox;
  readonly token: string;
  /** /subscriptions/<id> */
  readonly subscriptionPath: string;
  /** Calls ARM: `pathAndQuery` relative to the ARM root (or an absolute URL, as Azure-AsyncOperation gives). */
  readonly arm: (method: string, pathAndQuery: string, body?: unknown, token?: string | null) => Promise<HttpsReply>;
  /** Polls an Azure-AsyncOperation URL until it is no longer InProgress. */
  readonly waitForOperation: (url: string, timeoutMs?: number) => Promise<Record<string, unknown>>;
}

export async function startAzureTestSandbox(directory: string, overrides: Partial<SandboxOptions> = {}): Promise<AzureTestContext> {
  const sandbox = await startTestSandbox(directory, overrides);
  const ca = sandbox.azure.certificates.ca;
  const { endpoints, principal } = sandbox.azure;
  const tokenReply = await httpsRequest('POST', `${endpoints.azureAuthority}${endpoints.azureTenantId}/oauth2/v2.0/token`, ca, new URLSearchParams({
    grant_type: 'client_credentials', client_id: principal.clientId, client_secret: principal.clientSecret, scope: 'https://management.azure.com/.default',
  }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(tokenReply.status, 200, tokenReply.text);
  const token = String(tokenReply.json.access_token);
  const arm = (method: string, pathAndQuery: string, body?: unknown, bearer: string | null = token): Promise<HttpsReply> => {
    const url = /^https:/.test(pathAndQuery) ? pathAndQuery : `${endpoints.azureArm}${pathAndQuery.replace(/^\//, '')}`;
    return httpsRequest(method, url, ca, body === undefined ? undefined : JSON.stringify(body), {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    });
  };
  const waitForOperation = async (url: string, timeoutMs = 120_000): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await arm('GET', url);
      assert.equal(reply.status, 200, reply.text);
      if (reply.json.status !== 'InProgress') {
        return reply.json;
      }
      assert.ok(Date.now() < deadline, `operation ${url} still InProgress`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  return { sandbox, token, subscriptionPath: `subscriptions/${endpoints.azureSubscriptionId}`, arm, waitForOperation };
}

export function httpsRequest(method: string, url: string, ca: string, body?: string, headers: Record<string, string> = {}): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = text ? JSON.parse(text) as Record<string, unknown> : {};
        } catch {
          // Not JSON (a blob, XML): the text is there.
        }
        const flat = Object.fromEntries(Object.entries(response.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : String(value ?? '')]));
        resolve({ status: response.statusCode ?? 0, headers: flat, text, json });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Runs `script` (CommonJS) with Node in the repository, with the sandbox's environment; answers its stdout parsed as JSON. */
export function runNodeClient(script: string, environment: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../../../..'), env: { ...process.env, ...environment }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${error.message}\n${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>);
    });
  });
}

/** A VM PUT body as Spotbox sends it: Spot, Delete, maxPrice, the SSH key, identity, boot diagnostics. */
export function spotVmBody(nicId: string, publicKey: string, extra: { vmSize?: string; maxPrice?: number; evictionPolicy?: string; priority?: string; customData?: string; tags?: Record<string, string> } = {}): Record<string, unknown> {
  return {
    location: LOCATION,
    tags: extra.tags ?? { 'spotbox-owner': 'tester' },
    identity: { type: 'SystemAssigned' },
    properties: {
      hardwareProfile: { vmSize: extra.vmSize ?? 'Standard_NC4as_T4_v3' },
      priority: extra.priority ?? 'Spot',
      ...(extra.evictionPolicy !== 'none' ? { evictionPolicy: extra.evictionPolicy ?? 'Delete' } : {}),
      billingProfile: { maxPrice: extra.maxPrice ?? -1 },
      storageProfile: {
        imageReference: { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', version: 'latest' },
        osDisk: { createOption: 'FromImage', deleteOption: 'Delete', managedDisk: { storageAccountType: 'Premium_LRS' } },
      },
      osProfile: {
        computerName: 'box',
        adminUsername: 'azureuser',
        linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/azureuser/.ssh/authorized_keys', keyData: publicKey }] } },
        ...(extra.customData ? { customData: Buffer.from(extra.customData).toString('base64') } : {}),
      },
      networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true, deleteOption: 'Detach' } }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    },
  };
}

/** Creates group, NSG, VNet, public IP and NIC; answers the NIC id and the public IP path. */
export async function createNetwork(context: AzureTestContext, group: string, prefix = 'box'): Promise<{ nicId: string; publicIpPath: string }> {
  const base = `${context.subscriptionPath}/resourceGroups/${group}/providers/Microsoft.Network`;
  const network = '?api-version=2024-05-01';
  const put = async (pathTail: string, body: unknown): Promise<Record<string, unknown>> => {
    const reply = await context.arm('PUT', `${base}/${pathTail}${network}`, body);
    assert.ok(reply.status === 201 || reply.status === 200, reply.text);
    assert.ok(reply.headers['azure-asyncoperation'], 'Network PUT answers Azure-AsyncOperation');
    const done = await context.waitForOperation(reply.headers['azure-asyncoperation']);
    assert.equal(done.status, 'Succeeded');
    return reply.json;
  };
  const nsg = await put(`networkSecurityGroups/${prefix}-nsg`, { location: LOCATION, properties: { securityRules: [{ name: 'ssh', properties: { priority: 1000, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '22', sourceAddressPrefix: '*', destinationAddressPrefix: '*' } }] } });
  const vnet = await put(`virtualNetworks/${prefix}-vnet`, { location: LOCATION, properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 'default', properties: { addressPrefix: '10.0.0.0/24' } }] } });
  const pip = await put(`publicIPAddresses/${prefix}-ip`, { location: LOCATION, sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static' } });
  const nic = await put(`networkInterfaces/${prefix}-nic`, {
    location: LOCATION,
    properties: {
      networkSecurityGroup: { id: nsg.id },
      ipConfigurations: [{ name: 'ipconfig1', properties: { subnet: { id: `${String(vnet.id)}/subnets/default` }, publicIPAddress: { id: pip.id } } }],
    },
  });
  return { nicId: String(nic.id), publicIpPath: `${base}/publicIPAddresses/${prefix}-ip${network}` };
}

const SPOTBOX_CLIENT = path.join(__dirname, 'spotboxAzureClient.js');

/**
 * Runs one command of Spotbox's Azure pipeline (spotboxAzureClient.ts) as a separate Node process
 * with the sandbox's environment, as the editor runs it; resolves with its JSON answer.
 */
export function runAzureClient<T>(context: Pick<AzureTestContext, 'sandbox'>, args: readonly string[], timeoutMs = 240_000): Promise<T & { error?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SPOTBOX_CLIENT, ...args], { env: { ...process.env, ...context.sandbox.environment }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let ended = false;
    child.stdout.on('end', () => (ended = true));
    // Not on close: something on the box side may keep a pipe open; the client's line is written
    // before it exits, and read here at most a second after.
    child.on('exit', (code) => {
      clearTimeout(timer);
      void (ended ? Promise.resolve() : new Promise((settle) => setTimeout(settle, 1000))).then(() => answer(code));
    });
    const answer = (code: number | null): void => {
      if (process.env.SPOTBOX_TEST_VERBOSE) process.stderr.write(stderr);
      const line = stdout.trim().split('\n').pop();
      if (!line) reject(new Error(`the client exited (${code}) without an answer\n${stderr}`));
      else resolve(JSON.parse(line) as T & { error?: string });
    };
  });
}
