import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as E from '@aws-sdk/client-ec2';
import { ec2, startHarness, stopHarness, waitFor, type Harness } from './helpers';

async function launchSpot(h: Harness, region: string, count: number, maxPrice?: string): Promise<string[]> {
  const c = ec2(h.url, region);
  const img = await c.send(new E.DescribeImagesCommand({ Owners: ['amazon'] }));
  const res = await c.send(new E.RunInstancesCommand({
    ImageId: img.Images![0].ImageId, InstanceType: 'g5.xlarge', MinCount: count, MaxCount: count,
    InstanceMarketOptions: { MarketType: 'spot', SpotOptions: maxPrice ? { MaxPrice: maxPrice } : {} },
    MetadataOptions: { HttpTokens: 'required' },
  }));
  const ids = res.Instances!.map((i) => i.InstanceId!);
  await waitFor(async () => {
    const d = await c.send(new E.DescribeInstancesCommand({ InstanceIds: ids }));
    return d.Reservations!.flatMap((r) => r.Instances!).every((i) => i.State!.Name === 'running') || undefined;
  });
  return ids;
}

async function describe1(h: Harness, region: string, id: string): Promise<E.Instance> {
  const d = await ec2(h.url, region).send(new E.DescribeInstancesCommand({ InstanceIds: [id] }));
  return d.Reservations![0].Instances![0];
}

async function spotStatus(h: Harness, region: string, id: string): Promise<string | undefined> {
  const r = await ec2(h.url, region).send(new E.DescribeSpotInstanceRequestsCommand({ Filters: [{ Name: 'instance-id', Values: [id] }] }));
  return r.SpotInstanceRequests![0]?.Status?.Code;
}

describe('sandbox EC2 emulator: interruptions, faults and restart', function () {
  let h: Harness | undefined;
  afterEach(async () => {
    await stopHarness(h);
    h = undefined;
  });

  it('interruptSpot: notice in the metadata view, then Server.SpotInstanceTermination', async () => {
    h = await startHarness();
    const [id] = await launchSpot(h, 'us-east-1', 1);
    assert.equal(h.host.views.get(id)!().instanceAction, undefined);
    const { time } = h.emu.interruptSpot(id, { leadSeconds: 1 });
    const view = h.host.views.get(id)!();
    assert.deepEqual(view.instanceAction, { action: 'terminate', time });
    assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(await spotStatus(h, 'us-east-1', id), 'marked-for-termination');
    assert.equal((await describe1(h, 'us-east-1', id)).State!.Name, 'running');
    const done = await waitFor(async () => {
      const i = await describe1(h!, 'us-east-1', id);
      return i.State!.Name === 'terminated' ? i : undefined;
    }, 5000);
    assert.deepEqual(done.StateReason, { Code: 'Server.SpotInstanceTermination', Message: 'Server.SpotInstanceTermination: Spot instance termination' });
    assert.equal(await spotStatus(h, 'us-east-1', id), 'instance-terminated-no-capacity');
    assert.ok(h.host.terminated.includes(id));
    assert.deepEqual(h.events.kinds().filter((k) => k.startsWith('spot') || k === 'instance-terminated'), ['spot-interruption-notice', 'instance-terminated']);
  });

  it('spikePrice above MaxPrice interrupts by price; rebalance and hard termination', async () => {
    h = await startHarness();
    const ids = await launchSpot(h, 'us-west-2', 3, '0.9');
    const { interrupted } = h.emu.spikePrice({ region: 'us-west-2', instanceType: 'g5.xlarge', price: 0.95, leadSeconds: 1, durationSeconds: 600 });
    assert.deepEqual([...interrupted].sort(), [...ids].sort());
    const c = ec2(h.url, 'us-west-2');
    const hist = await c.send(new E.DescribeSpotPriceHistoryCommand({ InstanceTypes: ['g5.xlarge'], StartTime: new Date(Date.now() - 1000) }));
    assert.ok(hist.SpotPriceHistory!.some((p) => p.SpotPrice === '0.950000'));
    // StartTime now, after the spike began: EC2 answers with the price in effect then, the spike's, in every AZ.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = await c.send(new E.DescribeSpotPriceHistoryCommand({ InstanceTypes: ['g5.xlarge'], ProductDescriptions: ['Linux/UNIX'], StartTime: new Date() }));
    assert.ok(now.SpotPriceHistory!.length > 0 && now.SpotPriceHistory!.every((p) => p.SpotPrice === '0.950000'), JSON.stringify(now.SpotPriceHistory));
    const tooLow = await c.send(new E.RunInstancesCommand({
      ImageId: (await c.send(new E.DescribeImagesCommand({}))).Images![0].ImageId, InstanceType: 'g5.xlarge', MinCount: 1, MaxCount: 1,
      InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.5' } },
    })).then(() => 'ok', (e: Error) => e.name);
    assert.equal(tooLow, 'SpotMaxPriceTooLow');
    await waitFor(async () => ((await describe1(h!, 'us-west-2', ids[0])).State!.Name === 'terminated') || undefined, 5000);
    assert.equal(await spotStatus(h, 'us-west-2', ids[0]), 'instance-terminated-by-price');

    h.emu.clearFaults();
    const [a, b] = await launchSpot(h, 'us-west-2', 2);
    h.emu.recommendRebalance(a);
    assert.match(h.host.views.get(a)!().rebalanceNoticeTime!, /Z$/);
    h.emu.hardTerminate(b);
    await waitFor(async () => ((await describe1(h!, 'us-west-2', b)).State!.Name === 'terminated') || undefined);
    assert.equal((await describe1(h, 'us-west-2', b)).StateReason!.Code, 'Server.SpotInstanceTermination');
    assert.ok(h.events.kinds().includes('hard-termination') && h.events.kinds().includes('rebalance-recommendation') && h.events.kinds().includes('price-spike'));
  });

  it('restart on the same state file keeps resources, re-boots live boxes and keeps pending notices', async () => {
    h = await startHarness({ stopBoxesOnStop: true });
    const c = ec2(h.url, 'eu-west-1');
    await c.send(new E.CreateKeyPairCommand({ KeyName: 'persist' }));
    await c.send(new E.CreateSecurityGroupCommand({ GroupName: 'persist', Description: 'p' }));
    const [id, other] = await launchSpot(h, 'eu-west-1', 2);
    const before = await describe1(h, 'eu-west-1', id);
    h.emu.interruptSpot(id, { leadSeconds: 2 });
    await h.emu.stop();
    assert.equal(h.host.stopAllCalls, 1);
    const state = JSON.parse(fs.readFileSync(h.stateFile, 'utf8'));
    assert.equal(state.instances[id].state, 'running');

    h = await startHarness({}, h);
    assert.equal(h.host.boots.length, 2, 'both live instances boot again');
    const reboot = h.host.boots.find((b) => b.instanceId === id)!;
    assert.equal(reboot.previousAddress?.ip, before.PublicIpAddress);
    assert.equal(h.host.views.get(id)!().instanceAction?.action, 'terminate');
    const c2 = ec2(h.url, 'eu-west-1');
    assert.equal((await c2.send(new E.DescribeKeyPairsCommand({ KeyNames: ['persist'] }))).KeyPairs!.length, 1);
    assert.equal((await c2.send(new E.DescribeSecurityGroupsCommand({ GroupNames: ['persist'] }))).SecurityGroups!.length, 1);
    await waitFor(async () => ((await describe1(h!, 'eu-west-1', other)).State!.Name === 'running') || undefined);
    await waitFor(async () => ((await describe1(h!, 'eu-west-1', id)).State!.Name === 'terminated') || undefined, 6000);
  });

  it('per-box-port hosts get the spotbox:ssh-port tag; terminated instances vanish after an hour', async () => {
    let now = Date.now();
    h = await startHarness({ clock: () => now });
    h.host.mode = 'per-box-port';
    const [id] = await launchSpot(h, 'us-east-1', 1);
    const inst = await describe1(h, 'us-east-1', id);
    assert.match(inst.Tags!.find((t) => t.Key === 'spotbox:ssh-port')!.Value!, /^\d+$/);
    await ec2(h.url, 'us-east-1').send(new E.TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitFor(async () => ((await describe1(h!, 'us-east-1', id)).State!.Name === 'terminated') || undefined);
    now += 3_700_000;
    const gone = await ec2(h.url, 'us-east-1').send(new E.DescribeInstancesCommand({ InstanceIds: [id] })).then(() => 'listed', (e: Error) => e.name);
    assert.equal(gone, 'InvalidInstanceID.NotFound');
  });
});
