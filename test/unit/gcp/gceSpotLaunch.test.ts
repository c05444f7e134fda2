import * as assert from 'node:assert/strict';
import { ComputeClient } from '../../../src/core/gcp/computeClient';
import { GceError } from '../../../src/core/gcp/gceErrors';
import { createBoxFirewall, launchSpotInstance } from '../../../src/core/gcp/gceSpotLaunch';
import { FakeGoogle, googleError, testHttp } from './fakeGoogle';

const P = '/compute/v1/projects/proj-1';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me';
const base = { name: 'box-1', image: 'projects/debian-cloud/global/images/family/debian-12', diskSizeGb: 50, sshUser: 'spotbox', sshPublicKey: KEY, labels: { box: 'box-1', owner: 'o1' } };

describe('Spot launch over zones (against a local Compute Engine)', () => {
  let google: FakeGoogle;
  let compute: ComputeClient;
  beforeEach(async () => {
    google = await new FakeGoogle().start();
    compute = new ComputeClient({ http: testHttp().http, endpoint: `${google.url}/compute/v1/`, project: 'proj-1', sleep: async () => undefined });
  });
  afterEach(() => google.close());

  const zoneOp = (zone: string, name: string, extra: Record<string, unknown> = {}) => ({ body: { name, status: 'DONE', zone: `https://www.googleapis.com/compute/v1/projects/proj-1/zones/${zone}`, ...extra } });

  it('moves on from zones without capacity (operation error, HTTP 503) and creates the box in the next', async () => {
    google.on('POST', `${P}/zones/us-central1-a/instances`, zoneOp('us-central1-a', 'op-a', { status: 'RUNNING' }));
    google.on('POST', `${P}/zones/us-central1-a/operations/op-a/wait`, zoneOp('us-central1-a', 'op-a', { httpErrorStatusCode: 503, error: { errors: [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'no resources' }] } }));
    google.on('POST', `${P}/zones/us-central1-b/instances`, googleError(503, "The zone 'projects/proj-1/zones/us-central1-b' does not have enough resources available to fulfill the request.", 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS'));
    google.on('POST', `${P}/zones/us-central1-c/instances`, zoneOp('us-central1-c', 'op-c'));
    google.on('GET', `${P}/zones/us-central1-c/instances/box-1`, { body: { name: 'box-1', status: 'PROVISIONING' } });
    const tried: string[] = [];
    const result = await launchSpotInstance(compute, base, [{ zone: 'us-central1-a', machineType: 'g2-standard-4' }, { zone: 'us-central1-b', machineType: 'g2-standard-4' }, { zone: 'us-central1-c', machineType: 'g2-standard-4' }], {
      deadline: Date.now() + 60_000,
      onAttempt: (placement) => tried.push(placement.zone),
    });
    assert.equal(result.placement.zone, 'us-central1-c');
    assert.equal(result.instance.status, 'PROVISIONING');
    assert.deepEqual(tried, ['us-central1-a', 'us-central1-b', 'us-central1-c']);
    assert.equal(result.skipped.length, 2);
    const inserts = google.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/instances'));
    assert.deepEqual(
      inserts.map((request) => (JSON.parse(request.body.toString('utf8')) as { machineType: string }).machineType),
      ['zones/us-central1-a/machineTypes/g2-standard-4', 'zones/us-central1-b/machineTypes/g2-standard-4', 'zones/us-central1-c/machineTypes/g2-standard-4'],
    );
  });

  it('stops at a quota error (another zone would fail alike) and says which quota', async () => {
    google.on('POST', `${P}/zones/us-central1-a/instances`, zoneOp('us-central1-a', 'op-a', { error: { errors: [{ code: 'QUOTA_EXCEEDED', message: "Quota 'PREEMPTIBLE_NVIDIA_L4_GPUS' exceeded.  Limit: 0.0 in region us-central1." }] } }));
    await assert.rejects(launchSpotInstance(compute, base, [{ zone: 'us-central1-a', machineType: 'g2-standard-4' }, { zone: 'us-central1-b', machineType: 'g2-standard-4' }], { deadline: Date.now() + 60_000 }), (error: unknown) => {
      assert.ok(error instanceof GceError);
      assert.equal(error.problem, 'quota');
      assert.equal(error.quota, 'PREEMPTIBLE_NVIDIA_L4_GPUS');
      return true;
    });
    assert.equal(google.requests.length, 1, 'the second zone is not tried');
  });

  it('an instance that is gone right after its operation counts as no capacity; none anywhere is a no-capacity GceError', async () => {
    google.on('POST', `${P}/zones/us-central1-a/instances`, zoneOp('us-central1-a', 'op-a'));
    await assert.rejects(launchSpotInstance(compute, base, [{ zone: 'us-central1-a', machineType: 'g2-standard-4' }], { deadline: Date.now() + 60_000 }), (error: unknown) => error instanceof GceError && error.problem === 'no-capacity' && /g2-standard-4 in us-central1-a/.test(error.message));
  });

  it('creates the SSH rule (an existing one is fine) and hands back its undo', async () => {
    google.on('POST', `${P}/global/firewalls`, googleError(409, "The resource 'projects/proj-1/global/firewalls/spotbox-ssh-box-1' already exists", 'alreadyExists'));
    google.on('DELETE', `${P}/global/firewalls/spotbox-ssh-box-1`, { body: { name: 'op-del', status: 'DONE' } });
    const undo = await createBoxFirewall(compute, { boxName: 'box-1', callerIp: '198.51.100.4' }, { deadline: Date.now() + 60_000 });
    await undo();
    assert.deepEqual(
      google.requests.map((request) => `${request.method} ${request.path}`),
      [`POST ${P}/global/firewalls`, `DELETE ${P}/global/firewalls/spotbox-ssh-box-1`],
    );
    assert.deepEqual(JSON.parse(google.requests[0].body.toString('utf8')).sourceRanges, ['198.51.100.4/32']);
  });
});
