import * as assert from 'node:assert/strict';
import { SpotboxError } from '../../../src/core/errors';
import { ComputeClient } from '../../../src/core/gcp/computeClient';
import type { Operation } from '../../../src/core/gcp/computeTypes';
import { GcpApiError } from '../../../src/core/gcp/gcpApiError';
import { classifyGceError, GceOperationError, toGceError } from '../../../src/core/gcp/gceErrors';
import { buildBoxFirewall } from '../../../src/core/gcp/gceFirewallRequest';
import { FakeGoogle, googleError, testHttp } from './fakeGoogle';

const P = '/compute/v1/projects/proj-1';
const ZONE_URL = 'https://www.googleapis.com/compute/v1/projects/proj-1/zones/us-central1-a';

function op(name: string, status: Operation['status'], extra: Partial<Operation> = {}): Operation {
  return { kind: 'compute#operation', name, status, zone: ZONE_URL, operationType: 'insert', ...extra };
}

describe('ComputeClient (wire format against a local server answering as Compute Engine)', () => {
  let google: FakeGoogle;
  let now: number;
  let waits: number[];
  const client = (maxAttempts = 4) => {
    const { http, sleeps } = testHttp({ maxAttempts });
    const compute = new ComputeClient({
      http,
      endpoint: `${google.url}/compute/v1/`,
      project: 'proj-1',
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
      requestId: () => '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
    });
    return { compute, sleeps };
  };

  beforeEach(async () => {
    google = await new FakeGoogle().start();
    now = 1_000_000;
    waits = [];
  });
  afterEach(() => google.close());

  it('inserts an instance: POST .../zones/{zone}/instances?requestId=, the body as JSON, a bearer token', async () => {
    google.on('POST', `${P}/zones/us-central1-a/instances`, { body: op('operation-1', 'RUNNING') });
    const body = { name: 'box-1', machineType: 'zones/us-central1-a/machineTypes/g2-standard-4', disks: [], networkInterfaces: [], scheduling: { provisioningModel: 'SPOT' as const } };
    const result = await client().compute.insertInstance('us-central1-a', body);
    assert.equal(result.name, 'operation-1');
    const [request] = google.requests;
    assert.equal(request.method, 'POST');
    assert.equal(request.path, `${P}/zones/us-central1-a/instances`);
    assert.deepEqual([...request.query], [['requestId', '3f2504e0-4f89-41d3-9a0c-0305e82c3301']]);
    assert.equal(request.headers.authorization, 'Bearer test-token');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(request.body.toString('utf8')), body);
  });

  it('retries an insert on 503 with the same requestId, so Google runs it once', async () => {
    google.on('POST', `${P}/zones/us-central1-a/instances`, googleError(503, 'Backend Error', 'backendError'), { body: op('operation-1', 'RUNNING') });
    const { compute, sleeps } = client();
    await compute.insertInstance('us-central1-a', { name: 'b', machineType: 'm', disks: [], networkInterfaces: [], scheduling: {} });
    assert.equal(google.requests.length, 2);
    assert.deepEqual(
      google.requests.map((request) => request.query.get('requestId')),
      ['3f2504e0-4f89-41d3-9a0c-0305e82c3301', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
    );
    assert.deepEqual(sleeps, [100]);
  });

  it('does not retry a 503 that says the zone has no capacity, and classifies it', async () => {
    google.on('POST', `${P}/zones/us-central1-a/instances`, googleError(503, "The zone 'projects/proj-1/zones/us-central1-a' does not have enough resources available to fulfill the request.", 'ZONE_RESOURCE_POOL_EXHAUSTED'));
    const error = await client()
      .compute.insertInstance('us-central1-a', { name: 'b', machineType: 'm', disks: [], networkInterfaces: [], scheduling: {} })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof GcpApiError);
    assert.equal(google.requests.length, 1);
    assert.equal(classifyGceError(error), 'no-capacity');
  });

  it('waits for a zonal operation: calls wait again while it returns early, until DONE', async () => {
    google.on('POST', `${P}/zones/us-central1-a/operations/operation-1/wait`, { body: op('operation-1', 'RUNNING') }, { body: op('operation-1', 'RUNNING') }, { body: op('operation-1', 'DONE', { targetId: '42' }) });
    const done = await client().compute.waitForOperation(op('operation-1', 'PENDING'), { deadline: now + 600_000 });
    assert.equal(done.status, 'DONE');
    assert.equal(done.targetId, '42');
    assert.equal(google.requests.length, 3);
    assert.ok(google.requests.every((request) => request.method === 'POST' && request.body.length === 0));
    // The fake's `wait` returns at once: the client paces itself instead of spinning.
    assert.deepEqual(waits, [1000, 1000]);
  });

  it('throws the DONE operation\'s errors: ZONE_RESOURCE_POOL_EXHAUSTED is no capacity', async () => {
    google.on('POST', `${P}/zones/us-central1-a/operations/operation-2/wait`, {
      body: op('operation-2', 'DONE', {
        httpErrorStatusCode: 503,
        error: { errors: [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS', message: "The zone 'projects/proj-1/zones/us-central1-a' does not have enough resources available to fulfill the request. '(resource type:compute)'." }] },
      }),
    });
    await assert.rejects(client().compute.waitForOperation(op('operation-2', 'RUNNING'), { deadline: now + 600_000 }), (error: unknown) => {
      assert.ok(error instanceof GceOperationError);
      assert.equal(classifyGceError(error), 'no-capacity');
      return true;
    });
  });

  it('gives up at the deadline and when the signal aborts', async () => {
    google.on('POST', `${P}/zones/us-central1-a/operations/operation-3/wait`, { body: op('operation-3', 'RUNNING') });
    await assert.rejects(client().compute.waitForOperation(op('operation-3', 'RUNNING'), { deadline: now + 2500 }), (error: unknown) => error instanceof SpotboxError && /not done by the deadline/.test(error.message) && /gcloud compute operations describe operation-3 --zone us-central1-a/.test(error.nextStep ?? ''));
    const calls = google.requests.length;
    assert.equal(calls, 3);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client().compute.waitForOperation(op('operation-3', 'RUNNING'), { deadline: now + 600_000, signal: controller.signal }), { name: 'AbortError' });
    assert.equal(google.requests.length, calls, 'an aborted wait makes no call');
  });

  it('waits for global operations (firewall rules) at global/operations/{op}/wait', async () => {
    google.on('POST', `${P}/global/firewalls`, { body: op('operation-fw', 'RUNNING', { zone: undefined }) });
    google.on('POST', `${P}/global/operations/operation-fw/wait`, { body: op('operation-fw', 'DONE', { zone: undefined }) });
    const { compute } = client();
    const rule = buildBoxFirewall({ boxName: 'box-1', callerIp: '203.0.113.7' });
    const started = await compute.insertFirewall(rule);
    await compute.waitForOperation(started, { deadline: now + 60_000 });
    assert.deepEqual(
      google.requests.map((request) => `${request.method} ${request.path}`),
      [`POST ${P}/global/firewalls`, `POST ${P}/global/operations/operation-fw/wait`],
    );
    assert.deepEqual(JSON.parse(google.requests[0].body.toString('utf8')), rule);
  });

  it('waits for a regional operation at regions/{region}/operations/{op}/wait', async () => {
    const regional = op('operation-r', 'RUNNING', { zone: undefined, region: 'https://www.googleapis.com/compute/v1/projects/proj-1/regions/us-central1' });
    google.on('POST', `${P}/regions/us-central1/operations/operation-r/wait`, { body: { ...regional, status: 'DONE' } });
    assert.equal((await client().compute.waitForOperation(regional, { deadline: now + 60_000 })).status, 'DONE');
    assert.deepEqual(
      google.requests.map((request) => request.path),
      [`${P}/regions/us-central1/operations/operation-r/wait`],
    );
  });

  it('lists with a filter and follows nextPageToken', async () => {
    google.route((request) => {
      if (request.path !== `${P}/zones/us-central1-a/instances`) return undefined;
      return request.query.get('pageToken') === 'p2' ? { body: { items: [{ name: 'b' }] } } : { body: { items: [{ name: 'a' }], nextPageToken: 'p2' } };
    });
    const filter = '(labels.spotbox-managed = "true") AND (status = RUNNING)';
    const instances = await client().compute.listInstances('us-central1-a', filter);
    assert.deepEqual(
      instances.map((instance) => instance.name),
      ['a', 'b'],
    );
    assert.deepEqual(
      google.requests.map((request) => [...request.query]),
      [[['filter', filter]], [['filter', filter], ['pageToken', 'p2']]],
    );
  });

  it('aggregatedList gathers every zone, pages, and reports unreachable zones', async () => {
    google.route((request) => {
      if (request.path !== `${P}/aggregated/instances`) return undefined;
      if (request.query.get('pageToken') === 'n') return { body: { items: { 'zones/europe-west4-a': { instances: [{ name: 'c' }] } } } };
      return {
        body: {
          items: { 'zones/us-central1-a': { instances: [{ name: 'a' }, { name: 'b' }] }, 'zones/us-east1-b': { warning: { code: 'NO_RESULTS_ON_PAGE', message: 'none' } } },
          unreachables: ['zones/asia-east1-a'],
          nextPageToken: 'n',
        },
      };
    });
    const { instances, unreachable } = await client().compute.aggregatedListInstances('labels.spotbox-managed = "true"');
    assert.deepEqual(
      instances.map((instance) => instance.name),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(unreachable, ['zones/asia-east1-a']);
    assert.equal(google.requests[0].query.get('returnPartialSuccess'), 'true');
  });

  it('reads host keys from guest attributes (hostkeys/), undefined while Google answers 404', async () => {
    google.on('GET', `${P}/zones/us-central1-a/instances/box-1/getGuestAttributes`, googleError(404, 'The resource ... was not found', 'notFound'), {
      body: { kind: 'compute#guestAttributes', queryPath: 'hostkeys/', queryValue: { items: [{ namespace: 'hostkeys', key: 'ssh-ed25519', value: 'AAAAC3NzaC1lZDI1NTE5AAAAIJ' }] } },
    });
    const { compute } = client();
    assert.equal(await compute.getGuestAttributes('us-central1-a', 'box-1'), undefined);
    assert.deepEqual(await compute.getGuestAttributes('us-central1-a', 'box-1'), [{ namespace: 'hostkeys', key: 'ssh-ed25519', value: 'AAAAC3NzaC1lZDI1NTE5AAAAIJ' }]);
    assert.deepEqual(
      google.requests.map((request) => request.query.get('queryPath')),
      ['hostkeys/', 'hostkeys/'],
    );
  });

  it('reads the serial port from an offset; gets, deletes and looks up machine types at Google\'s paths', async () => {
    google.on('GET', `${P}/zones/us-central1-a/instances/box-1/serialPort`, { body: { contents: '-----BEGIN SSH HOST KEY KEYS-----', start: '0', next: '33' } });
    google.on('GET', `${P}/zones/us-central1-a/instances/gone`, googleError(404, "The resource 'projects/proj-1/zones/us-central1-a/instances/gone' was not found", 'notFound'));
    google.on('DELETE', `${P}/zones/us-central1-a/instances/box-1`, { body: op('operation-del', 'RUNNING', { operationType: 'delete' }) });
    google.on('GET', `${P}/zones/us-central1-a/machineTypes/a2-highgpu-1g`, { body: { name: 'a2-highgpu-1g', guestCpus: 12, memoryMb: 87040, accelerators: [{ guestAcceleratorType: 'nvidia-tesla-a100', guestAcceleratorCount: 1 }] } });
    google.on('GET', `${P}/global/firewalls`, { body: { items: [{ name: 'spotbox-ssh-box-1' }] } });
    google.on('DELETE', `${P}/global/firewalls/spotbox-ssh-box-1`, { body: op('operation-fwdel', 'RUNNING', { zone: undefined }) });
    const { compute } = client();
    const serial = await compute.getSerialPortOutput('us-central1-a', 'box-1', { start: 0 });
    assert.equal(serial.next, '33');
    assert.equal(await compute.getInstance('us-central1-a', 'gone'), undefined);
    assert.equal((await compute.deleteInstance('us-central1-a', 'box-1')).name, 'operation-del');
    assert.equal((await compute.getMachineType('us-central1-a', 'a2-highgpu-1g'))?.guestCpus, 12);
    assert.deepEqual(
      (await compute.listFirewalls('name = "spotbox-ssh-*"')).map((rule) => rule.name),
      ['spotbox-ssh-box-1'],
    );
    await compute.deleteFirewall('spotbox-ssh-box-1');
    assert.deepEqual(
      google.requests.map((request) => `${request.method} ${request.path}?${request.query.toString()}`),
      [
        `GET ${P}/zones/us-central1-a/instances/box-1/serialPort?port=1&start=0`,
        `GET ${P}/zones/us-central1-a/instances/gone?`,
        `DELETE ${P}/zones/us-central1-a/instances/box-1?requestId=3f2504e0-4f89-41d3-9a0c-0305e82c3301`,
        `GET ${P}/zones/us-central1-a/machineTypes/a2-highgpu-1g?`,
        `GET ${P}/global/firewalls?filter=name+%3D+%22spotbox-ssh-*%22`,
        `DELETE ${P}/global/firewalls/spotbox-ssh-box-1?requestId=3f2504e0-4f89-41d3-9a0c-0305e82c3301`,
      ],
    );
  });

  it('retries a GET on 429 and 500, honouring Retry-After, then gives up after maxAttempts', async () => {
    google.on('GET', `${P}/zones/us-central1-a/instances/box-1`, { ...googleError(429, 'Rate Limit Exceeded', 'rateLimitExceeded'), headers: { 'retry-after': '2' } }, googleError(500, 'Internal Error', 'backendError'), { body: { name: 'box-1', status: 'RUNNING' } });
    const { compute, sleeps } = client();
    assert.equal((await compute.getInstance('us-central1-a', 'box-1'))?.status, 'RUNNING');
    assert.deepEqual(sleeps, [2000, 200]);

    google.on('GET', `${P}/zones/us-central1-a/instances/box-2`, googleError(500, 'Internal Error', 'backendError'));
    const before = google.requests.length;
    await assert.rejects(client(3).compute.getInstance('us-central1-a', 'box-2'), (error: unknown) => error instanceof GcpApiError && error.httpStatus === 500 && error.message === 'Internal Error');
    assert.equal(google.requests.length - before, 3);
  });

  it('retries a 403 rate limit but not a 403 quota', async () => {
    google.on('GET', `${P}/zones/us-central1-a/instances/box-1`, googleError(403, 'Rate Limit Exceeded', 'rateLimitExceeded'), { body: { name: 'box-1' } });
    assert.equal((await client().compute.getInstance('us-central1-a', 'box-1'))?.name, 'box-1');
    assert.equal(google.requests.length, 2);
    google.on('GET', `${P}/zones/us-central1-a/instances/box-2`, googleError(403, "Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1.", 'quotaExceeded'));
    await assert.rejects(client().compute.getInstance('us-central1-a', 'box-2'), (error: unknown) => classifyGceError(error) === 'quota');
    assert.equal(google.requests.length, 3);
  });

  it('retries a refused connection, then reports the network problem with the endpoint as the next thing to check', async () => {
    await google.close();
    const { compute, sleeps } = client(3);
    const error = await compute.getInstance('us-central1-a', 'box-1').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal(sleeps.length, 2, 'two retries after the first attempt');
    assert.equal(classifyGceError(error), 'network');
    const user = toGceError(error, { action: 'Reading box-1', project: 'proj-1' });
    assert.match(user.message, /Compute Engine did not answer \(ECONNREFUSED\)/);
    assert.match(user.nextStep ?? '', /api_endpoint_overrides/);
    google = await new FakeGoogle().start();
  });

  it('parses Google\'s error shape: code, message, reasons', async () => {
    google.on('GET', `${P}/zones/us-central1-a/instances/box-1`, googleError(403, "Required 'compute.instances.get' permission for 'projects/proj-1/zones/us-central1-a/instances/box-1'", 'forbidden'));
    await assert.rejects(client().compute.getInstance('us-central1-a', 'box-1'), (error: unknown) => {
      assert.ok(error instanceof GcpApiError);
      assert.equal(error.httpStatus, 403);
      assert.deepEqual(error.reasons, ['forbidden']);
      assert.equal(classifyGceError(error), 'permission');
      return true;
    });
    assert.equal(google.requests.length, 1, 'a 403 is not retried');
  });
});
