import * as assert from 'node:assert/strict';
import { ArmApiError, isNoCapacity, isPriceAboveMax, isQuota } from '../../../src/core/azure/armError';
import { ArmHttp } from '../../../src/core/azure/armHttp';

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** A fetch that answers from a script, recording each request (method, URL, auth header, body). */
function scripted(replies: Reply[]): { fetch: typeof fetch; requests: Array<{ method: string; url: string; auth: string | null; body?: string }> } {
  const requests: Array<{ method: string; url: string; auth: string | null; body?: string }> = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    requests.push({ method: String(init.method), url: String(url), auth: new Headers(init.headers).get('authorization'), ...(typeof init.body === 'string' ? { body: init.body } : {}) });
    const reply = replies.shift();
    if (!reply) throw new Error(`unexpected request ${String(init.method)} ${String(url)}`);
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status, headers: reply.headers ?? {} });
  }) as unknown as typeof fetch;
  return { fetch: fetchImpl, requests };
}

const ENDPOINT = 'https://management.example.test/';
const waits: number[] = [];
const http = (fetchImpl: typeof fetch): ArmHttp =>
  new ArmHttp({ endpoint: ENDPOINT, credential: { token: async () => 'tok' }, fetch: fetchImpl, sleep: async (ms) => void waits.push(ms) });

describe('ArmHttp', () => {
  beforeEach(() => (waits.length = 0));

  it('sends the bearer token and api-version, and reads ARM error bodies with their inner codes', async () => {
    const { fetch, requests } = scripted([{ status: 409, body: { error: { code: 'InvalidTemplateDeployment', message: 'no', details: [{ code: 'SkuNotAvailable', message: 'size not available' }] } } }]);
    const error = await http(fetch).call({ method: 'PUT', path: 'subscriptions/s/resourcegroups/g', apiVersion: '2021-04-01', json: { location: 'eastus' } }).catch((e: unknown) => e);
    assert.ok(error instanceof ArmApiError);
    assert.equal(error.code, 'InvalidTemplateDeployment');
    assert.ok(isNoCapacity(error), 'a SkuNotAvailable detail is no capacity');
    assert.equal(requests[0].url, `${ENDPOINT}subscriptions/s/resourcegroups/g?api-version=2021-04-01`);
    assert.equal(requests[0].auth, 'Bearer tok');
    assert.equal(requests[0].body, '{"location":"eastus"}');
  });

  it('retries a 429 after its Retry-After, and gives up on a 400 at once', async () => {
    const { fetch, requests } = scripted([{ status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } }, headers: { 'retry-after': '7' } }, { status: 200, body: { name: 'g' } }]);
    assert.deepEqual((await http(fetch).call({ method: 'GET', path: 'x', apiVersion: '1' })).body, { name: 'g' });
    assert.deepEqual(waits, [7000]);
    assert.equal(requests.length, 2);
    const bad = scripted([{ status: 400, body: { error: { code: 'MaxPriceValueInvalid', message: 'bad price' } } }]);
    await assert.rejects(http(bad.fetch).call({ method: 'PUT', path: 'x', apiVersion: '1' }), /bad price/);
    assert.equal(bad.requests.length, 1);
  });

  it('follows Azure-AsyncOperation until Succeeded, honouring Retry-After, then reads the resource', async () => {
    const { fetch, requests } = scripted([
      { status: 201, body: { name: 'vm', properties: { provisioningState: 'Creating' } }, headers: { 'azure-asyncoperation': `${ENDPOINT}ops/1?api-version=2024-07-01`, 'retry-after': '3' } },
      { status: 200, body: { status: 'InProgress' }, headers: { 'retry-after': '1' } },
      { status: 200, body: { status: 'Succeeded' } },
      { status: 200, body: { name: 'vm', properties: { provisioningState: 'Succeeded' } } },
    ]);
    const vm = await http(fetch).longRunning<{ properties: { provisioningState: string } }>({ method: 'PUT', path: 'vms/vm', apiVersion: '2024-07-01', json: {} }, { path: 'vms/vm', apiVersion: '2024-07-01' });
    assert.equal(vm?.properties.provisioningState, 'Succeeded');
    assert.deepEqual(waits, [3000, 1000]);
    assert.deepEqual(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`), ['PUT /vms/vm', 'GET /ops/1', 'GET /ops/1', 'GET /vms/vm']);
  });

  it('throws the failed operation\'s error (AllocationFailed, SpotPriceGreaterThanProvidedMaxPrice)', async () => {
    for (const [code, check] of [['AllocationFailed', isNoCapacity], ['SpotPriceGreaterThanProvidedMaxPrice', isPriceAboveMax]] as const) {
      const { fetch } = scripted([
        { status: 201, body: {}, headers: { 'azure-asyncoperation': `${ENDPOINT}ops/2` } },
        { status: 200, body: { status: 'Failed', error: { code, message: `${code} here` } } },
      ]);
      const error = await http(fetch).longRunning({ method: 'PUT', path: 'vms/vm', apiVersion: '1', json: {} }, { path: 'vms/vm', apiVersion: '1' }).catch((e: unknown) => e);
      assert.ok(check(error), code);
    }
    assert.ok(isQuota(new ArmApiError(409, 'OperationNotAllowed', 'Operation could not be completed as it results in exceeding approved standardNCADSA100v4Family Cores quota.')));
    assert.ok(!isQuota(new ArmApiError(409, 'OperationNotAllowed', 'The VM is being deleted.')));
  });

  it('follows a DELETE\'s Location until it stops answering 202; a group already gone is not an error', async () => {
    const { fetch, requests } = scripted([
      { status: 202, headers: { location: `${ENDPOINT}ops/del`, 'retry-after': '15' } },
      { status: 202, headers: { location: `${ENDPOINT}ops/del` } },
      { status: 200 },
    ]);
    await http(fetch).longRunning({ method: 'DELETE', path: 'rg', apiVersion: '1', accept: [404] });
    assert.equal(requests.length, 3);
    assert.deepEqual(waits, [15000, 2000]);
    const gone = scripted([{ status: 404, body: { error: { code: 'ResourceGroupNotFound', message: 'gone' } } }]);
    await http(gone.fetch).longRunning({ method: 'DELETE', path: 'rg', apiVersion: '1', accept: [404] });
  });

  it('never sends the token to a host other than the resource manager', async () => {
    const { fetch, requests } = scripted([{ status: 202, headers: { location: 'https://evil.example/ops/1' } }]);
    await assert.rejects(http(fetch).longRunning({ method: 'DELETE', path: 'rg', apiVersion: '1' }), /refusing to send an Azure token to https:\/\/evil\.example/);
    assert.equal(requests.length, 1);
  });
});
