/**
 * A Compute Engine box's metadata server on its own, without a box: the header rule, listings,
 * recursive JSON, ETags and wait_for_change, the service account token.
 */
import * as assert from 'node:assert/strict';
import type { BoxSpec, GceMetadataView } from '../../../sandbox/contract';
import { GceMetadataServer } from '../../../sandbox/boxes/gceMetadataServer';
import { listFilter } from '../../../sandbox/gcp/compute/listFilter';

const spec: BoxSpec = {
  instanceId: 'gce-1234567890123456789',
  region: 'us-central1',
  availabilityZone: 'us-central1-a',
  instanceType: 'g2-standard-4',
  lifecycle: 'spot',
  amiId: 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts',
  loginUser: 'alice',
  httpTokens: 'optional',
  bootDelayMs: 0,
  environment: {},
  gce: {
    project: 'spotbox-sandbox', projectNumber: '318846218846', zone: 'us-central1-a', instanceName: 'trainer-1', numericId: '1234567890123456789',
    machineType: 'g2-standard-4', serviceAccount: { email: '318846218846-compute@developer.gserviceaccount.com', scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
  },
};

describe('sandbox GCP: the metadata server of a box', () => {
  let server: GceMetadataServer;
  let base = '';
  let view: GceMetadataView;

  beforeEach(async () => {
    view = { preempted: false, maintenanceEvent: 'NONE', attributes: { 'ssh-keys': 'alice:ssh-ed25519 AAAA x', 'startup-script': 'true' }, projectAttributes: {}, accessToken: { token: 'ya29.box', expiresAtMs: Date.now() + 3_600_000 } };
    server = new GceMetadataServer({ spec, ip: '127.0.0.1', hostname: 'trainer-1.us-central1-a.c.spotbox-sandbox.internal' }, () => ({ gce: view }));
    base = `http://127.0.0.1:${await server.listen('127.0.0.1', 0)}/computeMetadata/v1`;
  });

  afterEach(async () => {
    await server.close();
  });

  const get = (path: string, headers: Record<string, string> = { 'Metadata-Flavor': 'Google' }): Promise<Response> => fetch(`${base}/${path}`, { headers });

  it('requires Metadata-Flavor: Google, refuses proxied requests, and flavours its answers', async () => {
    assert.equal((await get('instance/name', {})).status, 403);
    assert.equal((await get('instance/name', { 'Metadata-Flavor': 'Google', 'X-Forwarded-For': '10.0.0.1' })).status, 403);
    const name = await get('instance/name');
    assert.equal(name.headers.get('metadata-flavor'), 'Google');
    assert.equal(await name.text(), 'trainer-1');
    assert.equal((await get('instance/no-such-thing')).status, 404);
  });

  it('serves identity, listings and recursive JSON the way GCE names them', async () => {
    assert.equal(await (await get('instance/id')).text(), '1234567890123456789');
    assert.equal(await (await get('instance/zone')).text(), 'projects/318846218846/zones/us-central1-a');
    assert.equal(await (await get('project/project-id')).text(), 'spotbox-sandbox');
    assert.equal(await (await get('instance/attributes/startup-script')).text(), 'true');
    assert.equal(await (await get('instance/attributes/')).text(), 'ssh-keys\nstartup-script\n');
    assert.match(await (await get('instance/')).text(), /^attributes\/$/m);
    const recursive = (await (await get('instance/?recursive=true')).json()) as Record<string, unknown>;
    assert.equal(recursive.machineType, 'projects/318846218846/machineTypes/g2-standard-4');
    assert.equal(recursive.maintenanceEvent, 'NONE');
    assert.deepEqual((recursive.attributes as Record<string, string>)['ssh-keys'], 'alice:ssh-ed25519 AAAA x');
    assert.deepEqual((recursive.serviceAccounts as Record<string, { scopes: string[] }>).default.scopes, ['https://www.googleapis.com/auth/cloud-platform']);
    assert.ok(Array.isArray(recursive.networkInterfaces));
    assert.equal(await (await get('instance/service-accounts/default/email')).text(), '318846218846-compute@developer.gserviceaccount.com');
    const token = (await (await get('instance/service-accounts/default/token')).json()) as { access_token: string; expires_in: number; token_type: string };
    assert.equal(token.access_token, 'ya29.box');
    assert.equal(token.token_type, 'Bearer');
    assert.ok(token.expires_in > 3500 && token.expires_in <= 3600);
  });

  it('keeps an ETag while the value stays, and wait_for_change answers on a change or at timeout_sec', async () => {
    const first = await get('instance/preempted');
    const etag = first.headers.get('etag')!;
    assert.equal((await get('instance/preempted')).headers.get('etag'), etag);
    const started = Date.now();
    const unchanged = await get(`instance/preempted?wait_for_change=true&last_etag=${etag}&timeout_sec=1`);
    assert.equal(await unchanged.text(), 'FALSE');
    assert.ok(Date.now() - started >= 900);
    const stale = await get('instance/preempted?wait_for_change=true&last_etag=0000&timeout_sec=30');
    assert.equal(await stale.text(), 'FALSE', 'a different last_etag answers at once');
    const waiting = get(`instance/preempted?wait_for_change=true&last_etag=${etag}&timeout_sec=30`).then((response) => response.text());
    setTimeout(() => (view = { ...view, preempted: true }), 300);
    assert.equal(await waiting, 'TRUE');
  });
});

describe('sandbox GCP: list filters', () => {
  const vm = { name: 'trainer-1', status: 'RUNNING', labels: { owner: 'spotbox', box: 'a' }, scheduling: { preemptible: true, provisioningModel: 'SPOT' }, cpus: 12 };
  const matches = (filter: string): boolean => listFilter(filter)(vm);

  it('reads comparisons, AND/OR/NOT and parentheses as the Compute API does', () => {
    assert.ok(matches('(labels.owner = "spotbox") AND (status = RUNNING)'));
    assert.ok(matches('labels.owner = spotbox status = RUNNING'), 'whitespace is AND');
    assert.ok(!matches('labels.owner = "spotbox" AND status = TERMINATED'));
    assert.ok(matches('status = TERMINATED OR labels.box = a'));
    assert.ok(matches('NOT status = TERMINATED'));
    assert.ok(matches('scheduling.preemptible = true'));
    assert.ok(matches('labels.box:*') && !matches('labels.missing:*'));
    assert.ok(matches('name eq "train.*"') && matches('name ne "eval.*"'));
    assert.ok(matches('cpus > 8') && !matches('cpus < 8'));
    assert.ok(matches('labels.owner != "other"'));
    assert.throws(() => listFilter('(status = RUNNING'), /Invalid list filter expression/);
  });
});
