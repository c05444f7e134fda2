/**
 * A Spot preemption as Compute Engine runs it, with real boxes and real time: `instance/preempted`
 * turns TRUE and wakes a wait_for_change long poll; the box's processes get SIGTERM at the soft
 * off (at once, or after `preemptionNoticeDuration`); 30 s later the box is gone, the instance
 * deleted (DELETE) or TERMINATED (STOP), with a `compute.instances.preempted` operation.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { eventually, newTempDir, spotInsertBody, sshKeyPair, startGcpTestSandbox, stopTestSandbox, waitForOperation, ZONE, type GcpTestContext } from './gcpHarness';

/** Starts a process that writes when SIGTERM reached it (epoch ms), then says it is ready. */
const SIGTERM_WATCHER = [
  `nohup bash -c 'trap "date +%s%3N > /home/alice/sigterm; exit 0" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1 &`,
  'touch /home/alice/ready',
].join('\n');

describe('sandbox GCP: Spot preemption', function () {
  this.timeout(240_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;

  before(async () => {
    directory = newTempDir('spotbox-gcp-preempt-');
    context = await startGcpTestSandbox(directory);
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  async function launch(name: string, extra: Parameters<typeof spotInsertBody>[2]): Promise<{ disk: string; boxId: string; metadataUrl: string }> {
    const c = context!;
    const keys = sshKeyPair(directory!, `key-${name}`);
    const inserted = await c.call('POST', `${c.projectUrl}zones/${ZONE}/instances`, spotInsertBody(name, keys.publicKey, { ...extra, startupScript: SIGTERM_WATCHER }));
    assert.equal(inserted.status, 200, JSON.stringify(inserted.json));
    await waitForOperation(c, inserted.json);
    const instances = c.sandbox.gcp.compute.instances;
    const record = instances.get(ZONE, name);
    const boxId = instances.boxId(record);
    const disk = path.join(c.sandbox.boxHost.boxDir(boxId), 'disk');
    await eventually(`${name}'s SIGTERM watcher`, async () => (fs.existsSync(path.join(disk, 'ready')) ? true : undefined));
    return { disk, boxId, metadataUrl: `${record.address!.imdsEndpoint}/computeMetadata/v1/instance/preempted` };
  }

  async function preempt(name: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${context!.sandbox.endpoints.control}/gcp/faults/preempt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instance: name }),
    });
    const json = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, JSON.stringify(json));
    return json;
  }

  const sigtermAt = (disk: string): number | undefined => {
    const file = path.join(disk, 'sigterm');
    return fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() ? Number(fs.readFileSync(file, 'utf8').trim()) : undefined;
  };

  it('flips preempted, sends the soft off, and removes the box 30 s later (with and without a notice duration)', async () => {
    const c = context!;
    const [now, noticed] = await Promise.all([
      launch('spot-now', { terminationAction: 'DELETE' }),
      launch('spot-noticed', { terminationAction: 'STOP', noticeSeconds: 30 }),
    ]);

    // The metadata server wants its header, and answers FALSE with an ETag before the preemption.
    assert.equal((await fetch(now.metadataUrl)).status, 403);
    const before = await fetch(now.metadataUrl, { headers: { 'Metadata-Flavor': 'Google' } });
    assert.equal(before.headers.get('metadata-flavor'), 'Google');
    assert.equal(await before.text(), 'FALSE');
    const etag = before.headers.get('etag');
    assert.ok(etag);
    const longPoll = fetch(`${now.metadataUrl}?wait_for_change=true&last_etag=${etag}&timeout_sec=60`, { headers: { 'Metadata-Flavor': 'Google' } })
      .then(async (response) => ({ at: Date.now(), body: await response.text(), etag: response.headers.get('etag') }));
    const noticedPoll = fetch(`${noticed.metadataUrl}?wait_for_change=true&timeout_sec=60`, { headers: { 'Metadata-Flavor': 'Google' } })
      .then(async (response) => ({ at: Date.now(), body: await response.text() }));
    await new Promise((resolve) => setTimeout(resolve, 500));

    const t0 = Date.now();
    const schedule = await preempt('spot-now');
    assert.equal(Number(schedule.offAtMs) - Number(schedule.softOffAtMs), 30_000);
    // The other one the way a person does it: npm run sandbox:ctl -- preempt <name>.
    // (Asynchronously: the control API answers from this very process.)
    const { stdout: ctl } = await promisify(execFile)(process.execPath, [path.resolve(__dirname, '../../../sandbox/ctl.js'), '--control', c.sandbox.endpoints.control, 'preempt', 'spot-noticed', '--zone', ZONE], { encoding: 'utf8' });
    assert.equal((JSON.parse(ctl) as { name: string }).name, 'spot-noticed');

    const woken = await longPoll;
    assert.equal(woken.body, 'TRUE');
    assert.notEqual(woken.etag, etag);
    assert.ok(woken.at - t0 < 2000, `the long poll woke ${woken.at - t0} ms after the preemption`);
    const noticedWoken = await noticedPoll;
    assert.equal(noticedWoken.body, 'TRUE');
    assert.ok(noticedWoken.at - t0 < 2000);

    // Without a notice duration, the soft off comes with the notice.
    const softOffNow = await eventually('SIGTERM in spot-now', async () => sigtermAt(now.disk), 10_000, 100);
    assert.ok(softOffNow - t0 < 3000, `SIGTERM came ${softOffNow - t0} ms after the preemption`);
    const { json: stopping } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/spot-now`);
    assert.equal(stopping.status, 'STOPPING');

    // With preemptionNoticeDuration 30 s, SIGTERM comes about 30 s after the notice.
    assert.equal(sigtermAt(noticed.disk), undefined);
    const softOffNoticed = await eventually('SIGTERM in spot-noticed', async () => sigtermAt(noticed.disk), 45_000, 200);
    assert.ok(softOffNoticed - t0 >= 29_000 && softOffNoticed - t0 < 34_000, `SIGTERM came ${softOffNoticed - t0} ms after the preemption`);

    // 30 s after its soft off, spot-now is gone (DELETE), its box killed.
    await eventually('spot-now deleted', async () => ((await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/spot-now`)).status === 404 ? true : undefined), 10_000, 250);
    const goneAfter = Date.now() - softOffNow;
    assert.ok(goneAfter >= 29_000 && goneAfter < 35_000, `deleted ${goneAfter} ms after the soft off`);
    assert.deepEqual(c.sandbox.boxHost.boxPids(now.boxId), []);

    // spot-noticed is STOPped: TERMINATED, still listed, its box's processes gone.
    const terminated = await eventually('spot-noticed TERMINATED', async () => {
      const { json } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/spot-noticed`);
      return json.status === 'TERMINATED' ? json : undefined;
    }, 40_000, 250);
    assert.ok(Date.now() - softOffNoticed >= 29_000);
    assert.deepEqual((terminated.scheduling as { preemptionNoticeDuration?: unknown }).preemptionNoticeDuration, { seconds: '30' });
    assert.deepEqual(c.sandbox.boxHost.boxPids(noticed.boxId), []);

    // From outside, the preemption is an operation of its own.
    const filter = encodeURIComponent('operationType="compute.instances.preempted"');
    const { json: operations } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/operations?filter=${filter}`);
    const preempted = (operations.items as Array<{ operationType: string; targetLink: string; status: string; statusMessage: string }>);
    assert.deepEqual(preempted.map((operation) => operation.targetLink.split('/').pop()).sort(), ['spot-noticed', 'spot-now']);
    assert.ok(preempted.every((operation) => operation.status === 'DONE' && operation.statusMessage === 'Instance was preempted.'));
  });

  it('refuses to preempt what is not a running Spot VM', async () => {
    const response = await fetch(`${context!.sandbox.endpoints.control}/gcp/faults/preempt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instance: 'no-such-vm' }),
    });
    assert.equal(response.status, 404);
  });
});
