/**
 * Compute Engine's answers without booting anything for long: insert validation in Google's error
 * shape, capacity and quota faults as failed operations, the catalog, firewalls, auth.
 */
import * as assert from 'node:assert/strict';
import { newTempDir, spotInsertBody, sshKeyPair, startGcpTestSandbox, stopTestSandbox, waitForOperation, ZONE, type GcpTestContext } from './gcpHarness';

type ErrorBody = { error: { code: number; message: string; errors: Array<{ reason: string; domain: string; message: string }> } };

describe('sandbox GCP: Compute Engine API', function () {
  this.timeout(120_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;
  let publicKey = '';

  before(async () => {
    directory = newTempDir('spotbox-gcp-api-');
    context = await startGcpTestSandbox(directory);
    publicKey = sshKeyPair(directory).publicKey;
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  const insert = (body: Record<string, unknown>, zone = ZONE): ReturnType<GcpTestContext['call']> => context!.call('POST', `${context!.projectUrl}zones/${zone}/instances`, body);
  const control = async (route: string, body: Record<string, unknown>): Promise<void> => {
    const response = await fetch(`${context!.sandbox.endpoints.control}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.text());
  };

  it('refuses calls without a token the sandbox issued', async () => {
    const url = `${context!.projectUrl}zones/${ZONE}/instances`;
    const missing = await fetch(url);
    assert.equal(missing.status, 401);
    const body = (await missing.json()) as ErrorBody;
    assert.equal(body.error.errors[0].reason, 'required');
    const forged = await fetch(url, { headers: { authorization: 'Bearer ya29.not-issued' } });
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as ErrorBody).error.errors[0].reason, 'authError');
  });

  it('validates an insert the way GCE does', async () => {
    const base = spotInsertBody('checked', publicKey);
    const expectError = async (body: Record<string, unknown>, code: number, reason: string, message: RegExp, zone = ZONE): Promise<void> => {
      const { status, json } = await insert(body, zone);
      assert.equal(status, code, JSON.stringify(json));
      const error = (json as ErrorBody).error;
      assert.equal(error.code, code);
      assert.equal(error.errors[0].reason, reason);
      assert.equal(error.errors[0].domain, 'global');
      assert.match(error.message, message);
    };
    await expectError({ ...base, machineType: `zones/${ZONE}/machineTypes/a9-imaginary-1g` }, 400, 'invalid', /Machine type with name 'a9-imaginary-1g' does not exist in zone 'us-central1-a'/);
    await expectError(base, 404, 'notFound', /projects\/spotbox-sandbox\/zones\/us-central1-q' was not found/, 'us-central1-q');
    await expectError({ ...base, name: 'Bad_Name' }, 400, 'invalid', /resource\.name/);
    await expectError({ ...base, scheduling: { provisioningModel: 'STANDARD', onHostMaintenance: 'MIGRATE' } }, 400, 'badRequest', /guest accelerators do not support live migration/);
    await expectError({ ...base, scheduling: { provisioningModel: 'SPOT', automaticRestart: true } }, 400, 'invalid', /automaticRestart/);
    await expectError({ ...base, scheduling: { provisioningModel: 'STANDARD', onHostMaintenance: 'TERMINATE', instanceTerminationAction: 'DELETE' } }, 400, 'invalid', /instanceTerminationAction/);
    await expectError(
      { ...base, machineType: `zones/${ZONE}/machineTypes/n1-standard-8`, guestAccelerators: [{ acceleratorType: `projects/spotbox-sandbox/zones/${ZONE}/acceleratorTypes/nvidia-tesla-v999`, acceleratorCount: 1 }] },
      400, 'invalid', /Accelerator type 'nvidia-tesla-v999' does not exist/,
    );
    await expectError({ ...base, disks: [] }, 400, 'invalid', /Boot disk must be specified/);

    // n1 with a T4 and TERMINATE is fine; a second insert of the same name is a conflict.
    const t4 = { ...base, name: 'n1-with-t4', machineType: `zones/${ZONE}/machineTypes/n1-standard-8`, guestAccelerators: [{ acceleratorType: `projects/spotbox-sandbox/zones/${ZONE}/acceleratorTypes/nvidia-tesla-t4`, acceleratorCount: 1 }] };
    const first = await insert(t4);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    await expectError(t4, 409, 'alreadyExists', /The resource 'projects\/spotbox-sandbox\/zones\/us-central1-a\/instances\/n1-with-t4' already exists/);
    await waitForOperation(context!, first.json);
    const { json: created } = await context!.call('GET', `${context!.projectUrl}zones/${ZONE}/instances/n1-with-t4`);
    assert.deepEqual(created.guestAccelerators, [{ acceleratorType: `https://www.googleapis.com/compute/v1/projects/spotbox-sandbox/zones/${ZONE}/acceleratorTypes/nvidia-tesla-t4`, acceleratorCount: 1 }]);
    await waitForOperation(context!, (await context!.call('DELETE', `${context!.projectUrl}zones/${ZONE}/instances/n1-with-t4`)).json);
  });

  it('fails inserts in a zone without capacity: the instance shows, then 404s, the operation carries the error', async () => {
    await control('/gcp/faults/capacity', { zone: ZONE, machineType: 'a2-highgpu-1g', count: 1 });
    const { json: operation } = await insert(spotInsertBody('no-room', publicKey, { machineType: 'a2-highgpu-1g' }));
    const visible = await context!.call('GET', `${context!.projectUrl}zones/${ZONE}/instances/no-room`);
    assert.equal(visible.status, 200);
    assert.equal(visible.json.status, 'PROVISIONING');
    const done = await waitForOperation(context!, operation);
    assert.equal(done.httpErrorStatusCode, 503);
    const errors = (done.error as { errors: Array<{ code: string; message: string }> }).errors;
    assert.equal(errors[0].code, 'ZONE_RESOURCE_POOL_EXHAUSTED');
    assert.match(errors[0].message, /does not have enough resources available to fulfill the request/);
    assert.equal((await context!.call('GET', `${context!.projectUrl}zones/${ZONE}/instances/no-room`)).status, 404);

    await control('/gcp/faults/capacity', { zone: ZONE, withDetails: true, count: 1 });
    const detailed = await waitForOperation(context!, (await insert(spotInsertBody('no-room-2', publicKey))).json);
    assert.equal((detailed.error as { errors: Array<{ code: string }> }).errors[0].code, 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS');
  });

  it('fails inserts over quota with QUOTA_EXCEEDED naming the metric', async () => {
    await control('/gcp/faults/quota', { metric: 'PREEMPTIBLE_NVIDIA_A100_GPUS', region: 'us-central1', count: 1 });
    // An L4 VM does not count against the A100 quota.
    const l4 = await waitForOperation(context!, (await insert(spotInsertBody('l4-ok', publicKey))).json);
    assert.equal(l4.error, undefined);
    const a100 = await waitForOperation(context!, (await insert(spotInsertBody('a100-over', publicKey, { machineType: 'a2-highgpu-1g' }))).json);
    assert.equal(a100.httpErrorStatusCode, 403);
    const error = (a100.error as { errors: Array<{ code: string; message: string }> }).errors[0];
    assert.equal(error.code, 'QUOTA_EXCEEDED');
    assert.match(error.message, /Quota 'PREEMPTIBLE_NVIDIA_A100_GPUS' exceeded\.\s+Limit: 0\.0 in region us-central1\./);
    await waitForOperation(context!, (await context!.call('DELETE', `${context!.projectUrl}zones/${ZONE}/instances/l4-ok`)).json);
  });

  it('serves machine types with their GPUs, accelerator types and zones', async () => {
    const get = async (suffix: string): Promise<Record<string, unknown>> => {
      const { status, json } = await context!.call('GET', `${context!.projectUrl}${suffix}`);
      assert.equal(status, 200, JSON.stringify(json));
      return json;
    };
    const a2 = await get(`zones/${ZONE}/machineTypes/a2-highgpu-1g`);
    assert.equal(a2.guestCpus, 12);
    assert.equal(a2.memoryMb, 87040);
    assert.deepEqual(a2.accelerators, [{ guestAcceleratorType: 'nvidia-tesla-a100', guestAcceleratorCount: 1 }]);
    const g2 = await get(`zones/${ZONE}/machineTypes/g2-standard-4`);
    assert.deepEqual(g2.accelerators, [{ guestAcceleratorType: 'nvidia-l4', guestAcceleratorCount: 1 }]);
    const n1 = await get(`zones/${ZONE}/machineTypes/n1-standard-8`);
    assert.equal(n1.accelerators, undefined);
    const filtered = await get(`zones/${ZONE}/machineTypes?filter=${encodeURIComponent('name = "g2-standard-4"')}`);
    assert.deepEqual((filtered.items as Array<{ name: string }>).map((type) => type.name), ['g2-standard-4']);
    const accelerators = await get(`zones/${ZONE}/acceleratorTypes`);
    assert.ok((accelerators.items as Array<{ name: string }>).some((type) => type.name === 'nvidia-tesla-t4'));
    assert.equal((await context!.call('GET', `${context!.projectUrl}zones/${ZONE}/machineTypes/nope-1`)).status, 404);
    const paged = await get('zones?maxResults=2');
    assert.equal((paged.items as unknown[]).length, 2);
    assert.ok(paged.nextPageToken);
  });

  it('inserts, lists and deletes firewalls through global operations', async () => {
    const c = context!;
    const rule = { name: 'spotbox-ssh', network: 'global/networks/default', direction: 'INGRESS', targetTags: ['spotbox'], sourceRanges: ['203.0.113.7/32'], allowed: [{ IPProtocol: 'tcp', ports: ['22'] }] };
    const inserted = await c.call('POST', `${c.projectUrl}global/firewalls`, rule);
    assert.equal(inserted.status, 200, JSON.stringify(inserted.json));
    assert.equal(inserted.json.zone, undefined);
    const done = await waitForOperation(c, inserted.json);
    assert.match(String(done.selfLink), /\/global\/operations\//);
    assert.equal((await c.call('POST', `${c.projectUrl}global/firewalls`, rule)).status, 409);
    const { json: got } = await c.call('GET', `${c.projectUrl}global/firewalls/spotbox-ssh`);
    assert.deepEqual([got.targetTags, got.sourceRanges, got.allowed, got.direction], [['spotbox'], ['203.0.113.7/32'], [{ IPProtocol: 'tcp', ports: ['22'] }], 'INGRESS']);
    const { json: list } = await c.call('GET', `${c.projectUrl}global/firewalls`);
    assert.deepEqual((list.items as Array<{ name: string }>).map((item) => item.name), ['spotbox-ssh']);
    await waitForOperation(c, (await c.call('DELETE', `${c.projectUrl}global/firewalls/spotbox-ssh`)).json);
    assert.equal((await c.call('GET', `${c.projectUrl}global/firewalls/spotbox-ssh`)).status, 404);
  });
});
