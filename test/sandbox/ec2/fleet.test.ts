import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as E from '@aws-sdk/client-ec2';
import { ec2, startHarness, stopHarness, waitFor, type Harness } from './helpers';

const REGION = 'us-east-1';
const run = promisify(execFile);

async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(() => assert.fail('expected an error'), (e: Error) => e);
}

async function template(c: E.EC2Client, name: string): Promise<void> {
  const img = await c.send(new E.DescribeImagesCommand({ Owners: ['amazon'] }));
  await c.send(new E.CreateLaunchTemplateCommand({
    LaunchTemplateName: name,
    LaunchTemplateData: {
      ImageId: img.Images![0].ImageId, InstanceType: 'g5.xlarge', MetadataOptions: { HttpTokens: 'required' },
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'spotbox:lineage', Value: name }] }],
    },
  }));
}

function maintain(name: string, extra: Partial<E.CreateFleetCommandInput> = {}): E.CreateFleetCommandInput {
  return {
    Type: 'maintain',
    LaunchTemplateConfigs: [{
      LaunchTemplateSpecification: { LaunchTemplateName: name, Version: '$Latest' },
      Overrides: [{ InstanceType: 'g5.xlarge' }, { InstanceType: 'g6.xlarge' }],
    }],
    TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
    SpotOptions: { AllocationStrategy: 'price-capacity-optimized' },
    TagSpecifications: [{ ResourceType: 'fleet', Tags: [{ Key: 'spotbox:lineage', Value: name }] }],
    ...extra,
  };
}

async function fleetOf(c: E.EC2Client, fleetId: string): Promise<E.FleetData> {
  return (await c.send(new E.DescribeFleetsCommand({ FleetIds: [fleetId] }))).Fleets![0];
}

/** The fleet's instances by state, from DescribeInstances (the view a user has). */
async function byState(c: E.EC2Client, fleetId: string): Promise<Record<string, string[]>> {
  const r = await c.send(new E.DescribeInstancesCommand({ Filters: [{ Name: 'tag:aws:ec2:fleet-id', Values: [fleetId] }] }));
  const out: Record<string, string[]> = {};
  for (const i of r.Reservations!.flatMap((x) => x.Instances!)) (out[i.State!.Name!] ??= []).push(i.InstanceId!);
  return out;
}

async function live(c: E.EC2Client, fleetId: string): Promise<string[]> {
  const s = await byState(c, fleetId);
  return [...(s.pending ?? []), ...(s.running ?? [])];
}

/** Waits for exactly one running instance other than `not`, and checks nothing else is alive. */
async function oneRunning(c: E.EC2Client, fleetId: string, not: string[] = []): Promise<string> {
  const id = await waitFor(async () => {
    const s = await byState(c, fleetId);
    const running = s.running ?? [];
    return running.length === 1 && !(s.pending ?? []).length && !not.includes(running[0]) ? running[0] : undefined;
  }, 15000, 100);
  assert.deepEqual(await live(c, fleetId), [id]);
  return id;
}

describe('sandbox EC2 Fleet (type maintain)', function () {
  this.timeout(60000);
  let h: Harness | undefined;
  afterEach(async () => {
    await stopHarness(h);
    h = undefined;
  });

  it('keeps one running instance: replaces it after a spot interruption, a hard termination and TerminateInstances', async () => {
    h = await startHarness({ fleetMinTerminationDelaySeconds: 1 });
    const c = ec2(h.url, REGION);
    await template(c, 'lineage-a');
    const res = await c.send(new E.CreateFleetCommand(maintain('lineage-a')));
    assert.match(res.FleetId!, /^fleet-[0-9a-f-]{36}$/);
    assert.equal(res.Instances, undefined, 'a maintain fleet does not list instances in CreateFleet');
    const fleetId = res.FleetId!;
    const first = await oneRunning(c, fleetId);
    const f = await fleetOf(c, fleetId);
    assert.equal(f.Type, 'maintain');
    assert.equal(f.FleetState, 'active');
    assert.equal(f.ActivityStatus, 'fulfilled');
    assert.equal(f.FulfilledCapacity, 1);
    assert.equal(f.SpotOptions!.AllocationStrategy, 'price-capacity-optimized');
    assert.equal(f.TargetCapacitySpecification!.TotalTargetCapacity, 1);
    assert.equal(f.ExcessCapacityTerminationPolicy, 'termination');
    assert.deepEqual(f.Tags, [{ Key: 'spotbox:lineage', Value: 'lineage-a' }]);
    assert.equal(f.Instances, undefined);
    const fi = await c.send(new E.DescribeFleetInstancesCommand({ FleetId: fleetId }));
    assert.equal(fi.FleetId, fleetId);
    assert.deepEqual(fi.ActiveInstances!.map((i) => i.InstanceId), [first]);
    assert.match(fi.ActiveInstances![0].SpotInstanceRequestId!, /^sir-/);
    const inst = (await c.send(new E.DescribeInstancesCommand({ InstanceIds: [first] }))).Reservations![0].Instances![0];
    assert.equal(inst.InstanceLifecycle, 'spot');
    const tags = Object.fromEntries(inst.Tags!.map((t) => [t.Key, t.Value]));
    assert.equal(tags['aws:ec2:fleet-id'], fleetId);
    assert.equal(tags['spotbox:lineage'], 'lineage-a');
    // EC2 owns aws: tags: a caller can neither move an instance out of its fleet nor into another.
    const reserved = await errorOf(c.send(new E.DeleteTagsCommand({ Resources: [first], Tags: [{ Key: 'aws:ec2:fleet-id' }] })));
    assert.equal(reserved.name, 'InvalidParameterValue');
    assert.match(reserved.message, /reserved/);
    await c.send(new E.DeleteTagsCommand({ Resources: [first] }));
    const kept = (await c.send(new E.DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [first] }] }))).Tags!.map((t) => t.Key);
    assert.deepEqual(kept, ['aws:ec2:fleet-id']);
    assert.equal((await errorOf(c.send(new E.CreateTagsCommand({ Resources: [first], Tags: [{ Key: 'aws:ec2:fleet-id', Value: 'fleet-x' }] })))).name, 'InvalidParameterValue');
    await c.send(new E.CreateTagsCommand({ Resources: [fleetId], Tags: [{ Key: 'owner', Value: 'me' }] }));
    assert.deepEqual((await fleetOf(c, fleetId)).Tags, [{ Key: 'spotbox:lineage', Value: 'lineage-a' }, { Key: 'owner', Value: 'me' }]);
    await c.send(new E.DeleteTagsCommand({ Resources: [fleetId], Tags: [{ Key: 'owner' }] }));

    // Spot interruption: nothing happens during the notice, the replacement comes after the termination.
    h.emu.interruptSpot(first, { leadSeconds: 1 });
    assert.deepEqual(await live(c, fleetId), [first]);
    const second = await oneRunning(c, fleetId, [first]);
    assert.deepEqual((await byState(c, fleetId)).terminated, [first]);
    const firstDone = (await c.send(new E.DescribeInstancesCommand({ InstanceIds: [first] }))).Reservations![0].Instances![0];
    assert.equal(firstDone.StateReason!.Code, 'Server.SpotInstanceTermination');

    // Hard termination (no notice), then a plain TerminateInstances by the user: replaced each time.
    h.emu.hardTerminate(second);
    const third = await oneRunning(c, fleetId, [first, second]);
    await c.send(new E.TerminateInstancesCommand({ InstanceIds: [third] }));
    const fourth = await oneRunning(c, fleetId, [first, second, third]);
    assert.equal(h.events.kinds().filter((k) => k === 'fleet-launch').length, 4, 'the first launch and three replacements');
    assert.equal((await fleetOf(c, fleetId)).FulfilledCapacity, 1);

    // DeleteFleets --terminate-instances: the fleet and its instance go in one call, nothing relaunches.
    const del = await c.send(new E.DeleteFleetsCommand({ FleetIds: [fleetId], TerminateInstances: true }));
    assert.deepEqual(del.UnsuccessfulFleetDeletions, []);
    assert.deepEqual(del.SuccessfulFleetDeletions, [{ FleetId: fleetId, PreviousFleetState: 'active', CurrentFleetState: 'deleted_terminating' }]);
    await waitFor(async () => ((await fleetOf(c, fleetId)).FleetState === 'deleted') || undefined, 10000);
    await new Promise((r) => setTimeout(r, 2500));
    const after = await byState(c, fleetId);
    assert.deepEqual(Object.keys(after), ['terminated']);
    assert.deepEqual([...after.terminated].sort(), [first, second, third, fourth].sort());
    assert.equal((await c.send(new E.DescribeFleetInstancesCommand({ FleetId: fleetId }))).ActiveInstances!.length, 0);

    // The timeline an editor opened after the fact can show.
    const hist = await c.send(new E.DescribeFleetHistoryCommand({ FleetId: fleetId, StartTime: new Date(Date.now() - 600_000) }));
    assert.equal(hist.FleetId, fleetId);
    const line = hist.HistoryRecords!.map((r) => `${r.EventType}:${r.EventInformation!.EventSubType}${r.EventInformation!.InstanceId ? ':' + r.EventInformation!.InstanceId : ''}`);
    assert.deepEqual(line, [
      'fleet-change:submitted', `instance-change:launched:${first}`, 'fleet-change:active',
      `instance-change:terminated:${first}`, `instance-change:launched:${second}`,
      `instance-change:terminated:${second}`, `instance-change:launched:${third}`,
      `instance-change:terminated:${third}`, `instance-change:launched:${fourth}`,
      'fleet-change:deleted_terminating', `instance-change:terminated:${fourth}`, 'fleet-change:deleted',
    ]);
    assert.ok(hist.HistoryRecords!.every((r) => r.Timestamp instanceof Date));
    assert.match(hist.HistoryRecords![3].EventInformation!.EventDescription!, /Spot instance termination/);
    const onlyFleet = await c.send(new E.DescribeFleetHistoryCommand({ FleetId: fleetId, StartTime: new Date(Date.now() - 600_000), EventType: 'fleet-change' }));
    assert.equal(onlyFleet.HistoryRecords!.length, 4);
  });

  it('CapacityRebalance: launch-before-terminate replaces first and terminates after TerminationDelay; launch keeps the old one', async () => {
    h = await startHarness({ fleetMinTerminationDelaySeconds: 1 });
    const c = ec2(h.url, REGION);
    await template(c, 'lineage-r');
    const lbt = await c.send(new E.CreateFleetCommand(maintain('lineage-r', {
      SpotOptions: {
        AllocationStrategy: 'price-capacity-optimized',
        MaintenanceStrategies: { CapacityRebalance: { ReplacementStrategy: 'launch-before-terminate', TerminationDelay: 2 } },
      },
    })));
    const fleetId = lbt.FleetId!;
    const old = await oneRunning(c, fleetId);
    assert.deepEqual((await fleetOf(c, fleetId)).SpotOptions!.MaintenanceStrategies, { CapacityRebalance: { ReplacementStrategy: 'launch-before-terminate', TerminationDelay: 2 } });
    const t0 = Date.now();
    h.emu.recommendRebalance(old);
    // Both run side by side until TerminationDelay after the replacement launched.
    const both = await waitFor(async () => {
      const s = await byState(c, fleetId);
      return (s.running ?? []).length === 2 ? s.running : undefined;
    }, 10000, 50);
    assert.ok(both.includes(old));
    assert.equal((await fleetOf(c, fleetId)).FulfilledCapacity, 1, 'the retiring instance no longer counts');
    const fresh = await oneRunning(c, fleetId, [old]);
    assert.ok(Date.now() - t0 >= 2000, 'the old instance lived at least TerminationDelay');
    assert.deepEqual((await byState(c, fleetId)).terminated, [old]);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await live(c, fleetId), [fresh], 'terminating the retired instance launched nothing');
    await c.send(new E.DeleteFleetsCommand({ FleetIds: [fleetId], TerminateInstances: true }));

    await template(c, 'lineage-l');
    const keep = await c.send(new E.CreateFleetCommand(maintain('lineage-l', {
      SpotOptions: { AllocationStrategy: 'capacity-optimized', MaintenanceStrategies: { CapacityRebalance: { ReplacementStrategy: 'launch' } } },
    })));
    const kid = keep.FleetId!;
    const o = await oneRunning(c, kid);
    h.emu.recommendRebalance(o);
    const pair = await waitFor(async () => {
      const s = await byState(c, kid);
      return (s.running ?? []).length === 2 && !(s.pending ?? []).length ? s.running : undefined;
    }, 10000, 50);
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual([...(await live(c, kid))].sort(), [...pair].sort(), 'launch leaves the old instance running');
    const fi = await c.send(new E.DescribeFleetInstancesCommand({ FleetId: kid }));
    assert.equal(fi.ActiveInstances!.length, 2);
    await c.send(new E.DeleteFleetsCommand({ FleetIds: [kid], TerminateInstances: true }));
    await waitFor(async () => ((await live(c, kid)).length === 0) || undefined, 10000);
  });

  it('ModifyFleet to 0 stands the fleet down; DeleteFleets without TerminateInstances leaves the instance running', async () => {
    h = await startHarness();
    const c = ec2(h.url, REGION);
    await template(c, 'lineage-m');
    const fleetId = (await c.send(new E.CreateFleetCommand(maintain('lineage-m', { ClientToken: 'lineage-m-1' })))).FleetId!;
    const retried = (await c.send(new E.CreateFleetCommand(maintain('lineage-m', { ClientToken: 'lineage-m-1' })))).FleetId!;
    assert.equal(retried, fleetId, 'a retried CreateFleet with the same ClientToken is the same fleet');
    const first = await oneRunning(c, fleetId);
    assert.equal((await c.send(new E.DescribeFleetsCommand({}))).Fleets!.length, 1);
    const mod = await c.send(new E.ModifyFleetCommand({ FleetId: fleetId, TargetCapacitySpecification: { TotalTargetCapacity: 0 } }));
    assert.equal(mod.Return, true);
    await waitFor(async () => ((await live(c, fleetId)).length === 0) || undefined, 10000);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await live(c, fleetId), [], 'no replacement below a target of 0');
    const down = await fleetOf(c, fleetId);
    assert.equal(down.FleetState, 'active');
    assert.equal(down.TargetCapacitySpecification!.TotalTargetCapacity, 0);
    assert.equal(down.FulfilledCapacity, 0);
    assert.equal(down.ActivityStatus, 'fulfilled');

    await c.send(new E.ModifyFleetCommand({ FleetId: fleetId, TargetCapacitySpecification: { TotalTargetCapacity: 1 } }));
    const back = await oneRunning(c, fleetId, [first]);
    const del = await c.send(new E.DeleteFleetsCommand({ FleetIds: [fleetId], TerminateInstances: false }));
    assert.equal(del.SuccessfulFleetDeletions![0].CurrentFleetState, 'deleted_running');
    assert.equal((await fleetOf(c, fleetId)).FleetState, 'deleted_running');
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await live(c, fleetId), [back], 'the instance outlives its fleet');
    await c.send(new E.TerminateInstancesCommand({ InstanceIds: [back] }));
    await waitFor(async () => ((await fleetOf(c, fleetId)).FleetState === 'deleted') || undefined, 10000);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await live(c, fleetId), [], 'a deleted fleet replaces nothing');
    const again = await c.send(new E.DeleteFleetsCommand({ FleetIds: [fleetId], TerminateInstances: true }));
    assert.equal(again.UnsuccessfulFleetDeletions![0].Error!.Code, 'fleetNotInDeletableState');
    assert.equal((await errorOf(c.send(new E.ModifyFleetCommand({ FleetId: fleetId, TargetCapacitySpecification: { TotalTargetCapacity: 1 } })))).name, 'IncorrectState');
  });

  it('a capacity fault delays the replacement (errorSet), which comes once capacity is back', async () => {
    h = await startHarness();
    const c = ec2(h.url, REGION);
    await template(c, 'lineage-c');
    const fleetId = (await c.send(new E.CreateFleetCommand(maintain('lineage-c', {
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: 'lineage-c' }, Overrides: [{ InstanceType: 'g5.xlarge', AvailabilityZone: 'us-east-1a' }] }],
    })))).FleetId!;
    const first = await oneRunning(c, fleetId);
    h.emu.failCapacity({ region: REGION, instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', count: 0 });
    h.emu.hardTerminate(first);
    const failing = await waitFor(async () => {
      const f = await fleetOf(c, fleetId);
      return f.ActivityStatus === 'error' ? f : undefined;
    }, 10000, 100);
    assert.equal(failing.Errors![0].ErrorCode, 'InsufficientInstanceCapacity');
    assert.equal(failing.Errors![0].LaunchTemplateAndOverrides!.Overrides!.InstanceType, 'g5.xlarge');
    assert.equal(failing.FulfilledCapacity, 0);
    const errs = await c.send(new E.DescribeFleetHistoryCommand({ FleetId: fleetId, StartTime: new Date(0), EventType: 'service-error' }));
    assert.equal(errs.HistoryRecords![0].EventInformation!.EventSubType, 'InsufficientInstanceCapacity');
    assert.deepEqual(await live(c, fleetId), []);
    h.emu.clearFaults();
    await oneRunning(c, fleetId, [first]);
    assert.equal((await fleetOf(c, fleetId)).ActivityStatus, 'fulfilled');
    await c.send(new E.DeleteFleetsCommand({ FleetIds: [fleetId], TerminateInstances: true }));
  });

  it('survives a sandbox restart and keeps maintaining', async () => {
    h = await startHarness();
    const c = ec2(h.url, REGION);
    await template(c, 'lineage-s');
    const fleetId = (await c.send(new E.CreateFleetCommand(maintain('lineage-s')))).FleetId!;
    const first = await oneRunning(c, fleetId);
    await h.emu.stop();
    h = await startHarness({}, h);
    const c2 = ec2(h.url, REGION);
    const f = await fleetOf(c2, fleetId);
    assert.equal(f.FleetState, 'active');
    assert.equal(await oneRunning(c2, fleetId), first, 'the same instance boots again; no extra launch');
    h.emu.interruptSpot(first, { leadSeconds: 0 });
    await oneRunning(c2, fleetId, [first]);
    await c2.send(new E.DeleteFleetsCommand({ FleetIds: [fleetId], TerminateInstances: true }));
  });

  it('EC2-shaped errors: unknown and malformed fleet ids, bad strategies, unsupported types and tags', async () => {
    h = await startHarness();
    const c = ec2(h.url, REGION);
    await template(c, 'lineage-e');
    const ghost = 'fleet-12345678-1234-1234-1234-123456789012';
    assert.equal((await errorOf(c.send(new E.DescribeFleetsCommand({ FleetIds: [ghost] })))).name, 'InvalidFleetId.NotFound');
    assert.equal((await errorOf(c.send(new E.DescribeFleetsCommand({ FleetIds: ['fleet-nope'] })))).name, 'InvalidFleetId.Malformed');
    assert.equal((await errorOf(c.send(new E.DescribeFleetInstancesCommand({ FleetId: ghost })))).name, 'InvalidFleetId.NotFound');
    assert.equal((await errorOf(c.send(new E.ModifyFleetCommand({ FleetId: ghost, TargetCapacitySpecification: { TotalTargetCapacity: 0 } })))).name, 'InvalidFleetId.NotFound');
    const del = await c.send(new E.DeleteFleetsCommand({ FleetIds: [ghost, 'fleet-nope'], TerminateInstances: true }));
    assert.deepEqual(del.SuccessfulFleetDeletions, []);
    assert.deepEqual(del.UnsuccessfulFleetDeletions!.map((u) => [u.FleetId, u.Error!.Code]), [[ghost, 'fleetIdDoesNotExist'], ['fleet-nope', 'fleetIdMalformed']]);
    const bad = await errorOf(c.send(new E.CreateFleetCommand(maintain('lineage-e', { SpotOptions: { AllocationStrategy: 'cheapest-please' as E.SpotAllocationStrategy } }))));
    assert.equal(bad.name, 'InvalidParameterValue');
    assert.match(bad.message, /cheapest-please/);
    const badReplace = await errorOf(c.send(new E.CreateFleetCommand(maintain('lineage-e', {
      SpotOptions: { MaintenanceStrategies: { CapacityRebalance: { ReplacementStrategy: 'swap' as E.FleetReplacementStrategy } } },
    }))));
    assert.equal(badReplace.name, 'InvalidParameterValue');
    const shortDelay = await errorOf(c.send(new E.CreateFleetCommand(maintain('lineage-e', {
      SpotOptions: { MaintenanceStrategies: { CapacityRebalance: { ReplacementStrategy: 'launch-before-terminate', TerminationDelay: 5 } } },
    }))));
    assert.match(shortDelay.message, /between 120 and 7200/);
    const request = await errorOf(c.send(new E.CreateFleetCommand(maintain('lineage-e', { Type: 'request' }))));
    assert.equal(request.name, 'InvalidParameterValue');
    assert.match(request.message, /Type=instant and Type=maintain/);
    const instTags = await errorOf(c.send(new E.CreateFleetCommand(maintain('lineage-e', { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }] }))));
    assert.equal(instTags.name, 'InvalidParameterValue');
    const noTerminateFlag = await errorOf(c.send(new E.DeleteFleetsCommand({ FleetIds: [ghost] } as E.DeleteFleetsCommandInput)));
    assert.equal(noTerminateFlag.name, 'MissingParameter');
    assert.equal((await c.send(new E.DescribeFleetsCommand({}))).Fleets!.length, 0, 'no failed CreateFleet left a fleet behind');
    assert.equal(h.host.boots.length, 0);
  });

  it('a second client: the AWS CLI drives create-fleet, describe-fleets, describe-fleet-instances and delete-fleets', async function () {
    const probe = await run('sh', ['-c', 'command -v aws']).then(() => true, () => false);
    if (!probe) {
      console.log('    (skipped: aws is not on PATH)');
      this.skip();
    }
    h = await startHarness();
    const c = ec2(h.url, REGION);
    await template(c, 'lineage-cli');
    const empty = path.join(h.dir, 'no-aws-config');
    fs.writeFileSync(empty, '');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIDSANDBOX', AWS_SECRET_ACCESS_KEY: 'sandbox', AWS_DEFAULT_REGION: REGION,
      AWS_CONFIG_FILE: empty, AWS_SHARED_CREDENTIALS_FILE: empty, AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
    };
    delete env.AWS_PROFILE;
    delete env.AWS_SESSION_TOKEN;
    const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
      const { stdout } = await run('aws', ['ec2', ...args, '--endpoint-url', h!.url, '--region', REGION, '--output', 'json'], { env, timeout: 60000 });
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    const created = await aws('create-fleet', '--type', 'maintain',
      '--target-capacity-specification', 'TotalTargetCapacity=1,DefaultTargetCapacityType=spot',
      '--spot-options', JSON.stringify({ AllocationStrategy: 'price-capacity-optimized', MaintenanceStrategies: { CapacityRebalance: { ReplacementStrategy: 'launch' } } }),
      '--launch-template-configs', JSON.stringify([{ LaunchTemplateSpecification: { LaunchTemplateName: 'lineage-cli', Version: '$Latest' }, Overrides: [{ InstanceType: 'g5.xlarge' }, { InstanceType: 'g6.xlarge' }] }]),
      '--tag-specifications', JSON.stringify([{ ResourceType: 'fleet', Tags: [{ Key: 'spotbox:lineage', Value: 'lineage-cli' }] }]));
    const fleetId = created.FleetId as string;
    assert.match(fleetId, /^fleet-/);
    const described = await aws('describe-fleets', '--fleet-ids', fleetId) as { Fleets: Array<Record<string, unknown>> };
    assert.equal(described.Fleets.length, 1);
    const f = described.Fleets[0] as { FleetState: string; Type: string; FulfilledCapacity: number; TargetCapacitySpecification: { TotalTargetCapacity: number }; SpotOptions: { MaintenanceStrategies: { CapacityRebalance: { ReplacementStrategy: string } } }; Tags: unknown; CreateTime: string };
    assert.equal(f.FleetState, 'active');
    assert.equal(f.Type, 'maintain');
    assert.equal(f.FulfilledCapacity, 1);
    assert.equal(f.TargetCapacitySpecification.TotalTargetCapacity, 1);
    assert.equal(f.SpotOptions.MaintenanceStrategies.CapacityRebalance.ReplacementStrategy, 'launch');
    assert.deepEqual(f.Tags, [{ Key: 'spotbox:lineage', Value: 'lineage-cli' }]);
    assert.ok(!Number.isNaN(Date.parse(f.CreateTime)));
    const filtered = await aws('describe-fleets', '--filters', 'Name=fleet-state,Values=active') as { Fleets: Array<{ FleetId: string }> };
    assert.deepEqual(filtered.Fleets.map((x) => x.FleetId), [fleetId]);
    const inst = await aws('describe-fleet-instances', '--fleet-id', fleetId) as { FleetId: string; ActiveInstances: Array<{ InstanceId: string; InstanceType: string; InstanceHealth: string }> };
    assert.equal(inst.FleetId, fleetId);
    assert.equal(inst.ActiveInstances.length, 1);
    const id = inst.ActiveInstances[0].InstanceId;
    assert.match(id, /^i-/);
    assert.equal(inst.ActiveInstances[0].InstanceHealth, 'healthy');
    const hist = await aws('describe-fleet-history', '--fleet-id', fleetId, '--start-time', new Date(Date.now() - 600_000).toISOString()) as { HistoryRecords: Array<{ EventType: string; EventInformation: { EventSubType: string; InstanceId?: string } }> };
    assert.ok(hist.HistoryRecords.some((r) => r.EventType === 'instance-change' && r.EventInformation.EventSubType === 'launched' && r.EventInformation.InstanceId === id), JSON.stringify(hist));
    h.emu.hardTerminate(id);
    await oneRunning(c, fleetId, [id]);
    const del = await aws('delete-fleets', '--fleet-ids', fleetId, '--terminate-instances') as { SuccessfulFleetDeletions: Array<{ FleetId: string; CurrentFleetState: string; PreviousFleetState: string }>; UnsuccessfulFleetDeletions?: unknown[] };
    assert.deepEqual(del.SuccessfulFleetDeletions, [{ FleetId: fleetId, CurrentFleetState: 'deleted_terminating', PreviousFleetState: 'active' }]);
    assert.deepEqual(del.UnsuccessfulFleetDeletions ?? [], []);
    await waitFor(async () => ((await live(c, fleetId)).length === 0) || undefined, 10000);
    const gone = await aws('describe-fleets', '--fleet-ids', fleetId) as { Fleets: Array<{ FleetState: string }> };
    assert.equal(gone.Fleets[0].FleetState, 'deleted');
    const missing = await run('aws', ['ec2', 'describe-fleet-instances', '--fleet-id', 'fleet-12345678-1234-1234-1234-123456789012', '--endpoint-url', h.url, '--region', REGION], { env })
      .then(() => '', (e: { stderr?: string }) => e.stderr ?? '');
    assert.match(missing, /InvalidFleetId\.NotFound/);
  });
});
