import * as assert from 'assert';
import { BoxSpec, MetadataView } from '../../../sandbox/contract';
import { ImdsServer } from '../../../sandbox/boxes/imdsServer';

const spec: BoxSpec = {
  instanceId: 'i-0123456789abcdef0',
  region: 'eu-west-1',
  availabilityZone: 'eu-west-1b',
  instanceType: 'g5.xlarge',
  lifecycle: 'spot',
  amiId: 'ami-0abc',
  loginUser: 'ubuntu',
  authorizedKey: 'ssh-ed25519 AAAAC3Nza test@x',
  httpTokens: 'required',
  bootDelayMs: 0,
  environment: {},
};

async function startServer(s: BoxSpec, view: () => MetadataView, now?: () => number): Promise<{ server: ImdsServer; base: string }> {
  const server = new ImdsServer(
    { spec: s, ip: '127.0.0.1', hostname: 'ip-127-0-0-1.eu-west-1.compute.internal', userData: Buffer.from('#!/bin/sh\necho hi\n'), launchTime: '2026-01-01T00:00:00.000Z' },
    view,
    now,
  );
  const port = await server.listen('127.0.0.1', 0);
  return { server, base: `http://127.0.0.1:${port}` };
}

async function token(base: string, ttl = '60'): Promise<string> {
  const res = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': ttl } });
  assert.strictEqual(res.status, 200);
  return res.text();
}

describe('boxes/imdsServer', () => {
  let view: MetadataView = {};
  let clock = Date.now();
  let server: ImdsServer;
  let base: string;

  before(async () => {
    ({ server, base } = await startServer(spec, () => view, () => clock));
  });
  after(async () => {
    await server.close();
  });

  it('issues tokens only for a PUT with a valid TTL header, echoing the TTL', async () => {
    const ok = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' } });
    assert.strictEqual(ok.status, 200);
    assert.strictEqual(ok.headers.get('x-aws-ec2-metadata-token-ttl-seconds'), '21600');
    assert.ok((await ok.text()).length > 20);
    for (const ttl of [undefined, '0', '21601', 'abc', '-5']) {
      const headers: Record<string, string> = ttl === undefined ? {} : { 'X-aws-ec2-metadata-token-ttl-seconds': ttl };
      const res = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers });
      assert.strictEqual(res.status, 400, `ttl ${ttl}`);
    }
    const forwarded = await fetch(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60', 'X-Forwarded-For': '10.0.0.1' },
    });
    assert.strictEqual(forwarded.status, 403);
  });

  it('requires a valid, unexpired token when httpTokens is required', async () => {
    assert.strictEqual((await fetch(`${base}/latest/meta-data/instance-id`)).status, 401);
    assert.strictEqual((await fetch(`${base}/latest/meta-data/instance-id`, { headers: { 'X-aws-ec2-metadata-token': 'bogus' } })).status, 401);
    const t = await token(base, '5');
    const res = await fetch(`${base}/latest/meta-data/instance-id`, { headers: { 'X-aws-ec2-metadata-token': t } });
    assert.strictEqual(res.status, 200);
    assert.strictEqual(res.headers.get('content-type'), 'text/plain');
    assert.strictEqual(await res.text(), spec.instanceId);
    clock += 6000;
    assert.strictEqual((await fetch(`${base}/latest/meta-data/instance-id`, { headers: { 'X-aws-ec2-metadata-token': t } })).status, 401);
  });

  it('serves the metadata paths, collapsing repeated slashes', async () => {
    const h = { 'X-aws-ec2-metadata-token': await token(base) };
    const get = async (p: string): Promise<[number, string]> => {
      const res = await fetch(base + p, { headers: h });
      return [res.status, await res.text()];
    };
    assert.deepStrictEqual(await get('//latest/meta-data/instance-type'), [200, 'g5.xlarge']);
    assert.deepStrictEqual(await get('/latest/meta-data/instance-life-cycle'), [200, 'spot']);
    assert.deepStrictEqual(await get('/latest/meta-data/placement/availability-zone'), [200, 'eu-west-1b']);
    assert.deepStrictEqual(await get('/latest/meta-data/placement/region'), [200, 'eu-west-1']);
    assert.deepStrictEqual(await get('/latest/meta-data/ami-id'), [200, 'ami-0abc']);
    assert.deepStrictEqual(await get('/latest/meta-data/local-ipv4'), [200, '127.0.0.1']);
    assert.deepStrictEqual(await get('/latest/meta-data/public-keys/'), [200, '0=sandbox']);
    assert.deepStrictEqual(await get('/latest/meta-data/public-keys/0/openssh-key'), [200, spec.authorizedKey]);
    assert.deepStrictEqual(await get('/latest/user-data'), [200, '#!/bin/sh\necho hi\n']);
    const [, listing] = await get('/latest/meta-data/');
    assert.ok(listing.split('\n').includes('instance-id'));
    assert.ok(!listing.split('\n').includes('spot/'));
    const [status, doc] = await get('/latest/dynamic/instance-identity/document');
    assert.strictEqual(status, 200);
    assert.strictEqual(JSON.parse(doc).region, 'eu-west-1');
    assert.strictEqual((await get('/latest/meta-data/nope'))[0], 404);
    assert.strictEqual((await get('/latest/meta-data/constructor'))[0], 404);
  });

  it('shows spot notices only once the metadata view has them', async () => {
    const h = { 'X-aws-ec2-metadata-token': await token(base) };
    view = {};
    assert.strictEqual((await fetch(`${base}/latest/meta-data/spot/instance-action`, { headers: h })).status, 404);
    assert.strictEqual((await fetch(`${base}/latest/meta-data/spot/termination-time`, { headers: h })).status, 404);
    assert.strictEqual((await fetch(`${base}/latest/meta-data/events/recommendations/rebalance`, { headers: h })).status, 404);
    view = { instanceAction: { action: 'terminate', time: '2026-11-27T08:22:00Z' }, rebalanceNoticeTime: '2026-11-27T08:19:00Z' };
    const action = await fetch(`${base}/latest/meta-data/spot/instance-action`, { headers: h });
    assert.deepStrictEqual(await action.json(), { action: 'terminate', time: '2026-11-27T08:22:00Z' });
    assert.strictEqual(await (await fetch(`${base}/latest/meta-data/spot/termination-time`, { headers: h })).text(), '2026-11-27T08:22:00Z');
    const rebalance = await fetch(`${base}/latest/meta-data/events/recommendations/rebalance`, { headers: h });
    assert.deepStrictEqual(await rebalance.json(), { noticeTime: '2026-11-27T08:19:00Z' });
    view = {};
  });

  it('allows IMDSv1 when tokens are optional, but still rejects a bad token', async () => {
    const optional = await startServer({ ...spec, httpTokens: 'optional', authorizedKey: undefined }, () => ({}));
    try {
      const res = await fetch(`${optional.base}/latest/meta-data/instance-id`);
      assert.strictEqual(res.status, 200);
      assert.strictEqual((await fetch(`${optional.base}/latest/meta-data/public-keys/`)).status, 404);
      const bad = await fetch(`${optional.base}/latest/meta-data/instance-id`, { headers: { 'X-aws-ec2-metadata-token': 'x' } });
      assert.strictEqual(bad.status, 401);
    } finally {
      await optional.server.close();
    }
  });
});
