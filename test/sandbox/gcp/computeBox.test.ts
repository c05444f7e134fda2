/**
 * Compute Engine over the wire with a real box: insert a Spot VM, wait on its operation, log in
 * with the key from `ssh-keys` after pinning the host key read from guest attributes (and the
 * serial port), read the metadata server from inside the box, then delete it.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { sshExec } from '../e2e/sshExec';
import { fingerprintOfKeyBlob } from '../../../src/core/ssh/hostKeyFingerprints';
import { GCP_PROJECT_NUMBER } from '../../../sandbox/gcp/gcpSandbox';
import { eventually, newTempDir, spotInsertBody, sshKeyPair, startGcpTestSandbox, stopTestSandbox, waitForOperation, ZONE, type GcpTestContext } from './gcpHarness';

describe('sandbox GCP: Compute Engine with a real box', function () {
  this.timeout(180_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;

  before(async () => {
    directory = newTempDir('spotbox-gcp-box-');
    context = await startGcpTestSandbox(directory);
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('boots a Spot VM whose sshd takes the ssh-keys key, with host keys published as guest attributes', async () => {
    const c = context!;
    const keys = sshKeyPair(directory!);
    const startupScript = 'echo "started as $(id -un) meta=$GCE_METADATA_HOST gcs=$STORAGE_EMULATOR_HOST" > /home/alice/startup.txt';
    const inserted = await c.call('POST', `${c.projectUrl}zones/${ZONE}/instances`, spotInsertBody('trainer-1', keys.publicKey, { startupScript }));
    assert.equal(inserted.status, 200, JSON.stringify(inserted.json));
    assert.equal(inserted.json.kind, 'compute#operation');
    assert.equal(inserted.json.operationType, 'insert');
    const done = await waitForOperation(c, inserted.json);
    assert.equal(done.error, undefined, JSON.stringify(done.error));

    const { json: instance } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1`);
    assert.equal(instance.status, 'RUNNING');
    assert.deepEqual(instance.scheduling, { onHostMaintenance: 'TERMINATE', automaticRestart: false, preemptible: true, provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE' });
    assert.match(String(instance.machineType), /\/zones\/us-central1-a\/machineTypes\/g2-standard-4$/);
    const nic = (instance.networkInterfaces as Array<{ networkIP: string; accessConfigs: Array<{ natIP?: string }> }>)[0];
    const ip = nic.accessConfigs[0].natIP ?? nic.networkIP;

    // gcloud's way: hostkeys/ guest attributes, published once sshd is up.
    const attributes = await eventually('host keys in guest attributes', async () => {
      const { status, json } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1/getGuestAttributes?queryPath=hostkeys/`);
      return status === 200 ? json : undefined;
    });
    const items = (attributes.queryValue as { items: Array<{ namespace: string; key: string; value: string }> }).items;
    const ed25519 = items.find((item) => item.key === 'ssh-ed25519');
    assert.ok(ed25519, JSON.stringify(items));
    assert.equal(ed25519.namespace, 'hostkeys');
    // The real sshd presents exactly that key.
    const scanned = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', '22', ip], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/);
    assert.equal(scanned[2], ed25519.value);

    // The serial port fallback carries the same key in cloud-init's block.
    const { json: serial } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1/serialPort?port=1`);
    const block = /-----BEGIN SSH HOST KEY KEYS-----\n([\s\S]*?)-----END SSH HOST KEY KEYS-----/.exec(String(serial.contents));
    assert.ok(block, String(serial.contents));
    assert.ok(block[1].includes(`ssh-ed25519 ${ed25519.value}`));

    const target = { host: ip, port: 22, privateKey: keys.privateKey, username: 'alice', pinnedFingerprints: [fingerprintOfKeyBlob(Buffer.from(ed25519.value, 'base64'))] };
    const hostname = await sshExec(target, 'hostname; id -un');
    assert.deepEqual(hostname.stdout.trim().split('\n'), ['trainer-1', 'alice']);
    const metadata = await sshExec(
      target,
      'curl -s -H "Metadata-Flavor: Google" "http://$GCE_METADATA_HOST/computeMetadata/v1/instance/zone"; echo; ' +
        'curl -s -o /dev/null -w "%{http_code}" "http://$GCE_METADATA_HOST/computeMetadata/v1/instance/name"; echo; ' +
        'curl -s -H "Metadata-Flavor: Google" "http://$GCE_METADATA_HOST/computeMetadata/v1/instance/service-accounts/default/token"',
    );
    const [zone, unflavoured, tokenJson] = metadata.stdout.trim().split('\n');
    assert.equal(zone, `projects/${GCP_PROJECT_NUMBER}/zones/${ZONE}`);
    assert.equal(unflavoured, '403');
    const token = JSON.parse(tokenJson) as { access_token: string; expires_in: number; token_type: string };
    assert.equal(token.token_type, 'Bearer');
    assert.ok(token.expires_in > 3000);
    // The box's token opens the sandbox's Cloud Storage.
    const bucket = await fetch(`${c.sandbox.endpoints.gcpStorage}/storage/v1/b/${c.sandbox.endpoints.gcpBucket}`, { headers: { authorization: `Bearer ${token.access_token}` } });
    assert.equal(bucket.status, 200);

    const startup = await eventually('the startup script to run', async () => {
      const out = await sshExec(target, 'cat /home/alice/startup.txt 2>/dev/null');
      return out.stdout.trim() || undefined;
    });
    assert.match(startup, /^started as root meta=127\.0\.0\.\d+:\d+ gcs=http:\/\/127\.0\.0\.1:\d+$/);

    const root = await sshExec({ ...target, username: 'root' }, 'true').then(() => 'accepted', (error: Error) => error.message);
    assert.notEqual(root, 'accepted', 'root may not log in with the ssh-keys key');
  });

  it('lists instances with filters, and aggregatedList groups them by zone', async () => {
    const c = context!;
    const list = async (filter: string): Promise<string[]> => {
      const { status, json } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances?filter=${encodeURIComponent(filter)}`);
      assert.equal(status, 200, JSON.stringify(json));
      return ((json.items ?? []) as Array<{ name: string }>).map((item) => item.name);
    };
    assert.deepEqual(await list('(labels.owner = "spotbox") AND (status = RUNNING)'), ['trainer-1']);
    assert.deepEqual(await list('labels.owner = "someone-else"'), []);
    assert.deepEqual(await list('status = TERMINATED'), []);
    assert.deepEqual(await list('(labels.box = "trainer-1" OR labels.box = "other") AND scheduling.provisioningModel = SPOT'), ['trainer-1']);
    assert.deepEqual(await list('NOT labels.box = "trainer-1"'), []);
    assert.deepEqual(await list('name eq "trainer-.*"'), ['trainer-1']);
    const bad = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances?filter=${encodeURIComponent('(status = RUNNING')}`);
    assert.equal(bad.status, 400);
    assert.equal((bad.json.error as { errors: Array<{ reason: string }> }).errors[0].reason, 'invalid');

    const { json: aggregated } = await c.call('GET', `${c.projectUrl}aggregated/instances?filter=${encodeURIComponent('labels.owner = "spotbox"')}`);
    const scopes = aggregated.items as Record<string, { instances?: Array<{ name: string }>; warning?: { code: string } }>;
    assert.deepEqual(scopes[`zones/${ZONE}`].instances?.map((item) => item.name), ['trainer-1']);
    assert.equal(scopes['zones/us-east1-b'].warning?.code, 'NO_RESULTS_ON_PAGE');
  });

  it('updates metadata (fingerprint checked) and announces host maintenance to the guest', async () => {
    const c = context!;
    const metadataUrl = `${c.sandbox.gcp.compute.instances.get(ZONE, 'trainer-1').address!.imdsEndpoint}/computeMetadata/v1/instance/`;
    const read = async (leaf: string): Promise<string> => (await fetch(metadataUrl + leaf, { headers: { 'Metadata-Flavor': 'Google' } })).text();
    const { json: instance } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1`);
    const metadata = instance.metadata as { fingerprint: string; items: Array<{ key: string; value: string }> };
    const stale = await c.call('POST', `${c.projectUrl}zones/${ZONE}/instances/trainer-1/setMetadata`, { fingerprint: 'stale', items: metadata.items });
    assert.equal(stale.status, 412);
    assert.equal((stale.json.error as { errors: Array<{ reason: string }> }).errors[0].reason, 'conditionNotMet');
    const updated = await c.call('POST', `${c.projectUrl}zones/${ZONE}/instances/trainer-1/setMetadata`, { fingerprint: metadata.fingerprint, items: [...metadata.items, { key: 'spotbox-run', value: 'r42' }] });
    await waitForOperation(c, updated.json);
    assert.equal(await read('attributes/spotbox-run'), 'r42');

    assert.equal(await read('maintenance-event'), 'NONE');
    const response = await fetch(`${c.sandbox.endpoints.control}/gcp/faults/maintenance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instance: 'trainer-1' }) });
    assert.equal(response.status, 200, await response.text());
    assert.equal(await read('maintenance-event'), 'TERMINATE_ON_HOST_MAINTENANCE');
    await fetch(`${c.sandbox.endpoints.control}/gcp/faults/maintenance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instance: 'trainer-1', event: 'NONE' }) });
    assert.equal(await read('maintenance-event'), 'NONE');
  });

  it('stops the VM (TERMINATED, disk kept) and starts it again with the same host key', async () => {
    const c = context!;
    const hostKey = async (): Promise<string> => eventually('host key', async () => {
      const { status, json } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1/getGuestAttributes?variableKey=hostkeys/ssh-ed25519`);
      return status === 200 ? String(json.variableValue) : undefined;
    });
    const before = await hostKey();
    const stopped = await c.call('POST', `${c.projectUrl}zones/${ZONE}/instances/trainer-1/stop`);
    assert.equal(stopped.json.operationType, 'stop');
    await waitForOperation(c, stopped.json);
    const { json: terminated } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1`);
    assert.equal(terminated.status, 'TERMINATED');
    assert.ok(terminated.lastStopTimestamp);
    assert.equal((await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1/getGuestAttributes?queryPath=hostkeys/`)).status, 404);
    await waitForOperation(c, (await c.call('POST', `${c.projectUrl}zones/${ZONE}/instances/trainer-1/start`)).json);
    assert.equal(await hostKey(), before);
    const { json: running } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1`);
    assert.equal(running.status, 'RUNNING');
  });

  it('deletes the instance: the operation finishes, the box is gone and the name 404s', async () => {
    const c = context!;
    const boxId = c.sandbox.gcp.compute.instances.boxId(c.sandbox.gcp.compute.instances.get(ZONE, 'trainer-1'));
    assert.ok(c.sandbox.boxHost.boxPids(boxId).length > 0);
    const deleted = await c.call('DELETE', `${c.projectUrl}zones/${ZONE}/instances/trainer-1`);
    assert.equal(deleted.json.operationType, 'delete');
    await waitForOperation(c, deleted.json);
    const gone = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/trainer-1`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.json, {
      error: {
        code: 404,
        message: `The resource 'projects/spotbox-sandbox/zones/${ZONE}/instances/trainer-1' was not found`,
        errors: [{ message: `The resource 'projects/spotbox-sandbox/zones/${ZONE}/instances/trainer-1' was not found`, domain: 'global', reason: 'notFound' }],
      },
    });
    assert.deepEqual(c.sandbox.boxHost.boxPids(boxId), []);
  });
});
