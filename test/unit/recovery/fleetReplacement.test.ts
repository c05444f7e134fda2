import * as assert from 'node:assert/strict';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { silentLogger } from '../../../src/core/logging/logger';
import { fleetReplacement, terminateExtraFleetBoxes } from '../../../src/core/recovery/fleetReplacement';
import type { LineageRecord, RecoveryRun } from '../../../src/core/recovery/recoveryTypes';

type Sdk = typeof import('@aws-sdk/client-ec2');

const record = { lineage: 'lin-1', boxName: 'trainer', region: 'us-east-1', fleetId: 'fleet-1', currentInstanceId: 'i-old', instanceIds: ['i-old'] } as unknown as LineageRecord;
const run = (overrides: Partial<RecoveryRun> = {}): RecoveryRun => ({ id: 'r', trigger: 'notice', owner: 'w', heartbeatAt: 0, interruptedInstanceId: 'i-old', interruptedPool: { instanceType: 'g5.xlarge' }, phase: 'launching', timeline: {}, ...overrides });

/** An EC2 whose fleet holds `boxes`; ModifyFleet to 2 adds `i-new` (the fleet's launch), as EC2 would. */
function fakeFleet(boxes: string[], options: { launchesOnRaise?: boolean; fleet?: () => Record<string, unknown> } = {}) {
  const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      switch (command.constructor.name) {
        case 'DescribeFleetInstancesCommand':
          return { ActiveInstances: boxes.map((InstanceId) => ({ InstanceId, InstanceType: 'g4dn.xlarge' })) };
        case 'ModifyFleetCommand':
          if ((command.input.TargetCapacitySpecification as { TotalTargetCapacity: number }).TotalTargetCapacity === 2 && options.launchesOnRaise !== false) boxes.push('i-new');
          return { Return: true };
        case 'DescribeFleetsCommand':
          return options.fleet ? { Fleets: [options.fleet()] } : {};
        case 'DescribeInstancesCommand':
          return { Reservations: [{ Instances: [{ InstanceType: 'g4dn.xlarge', InstanceLifecycle: 'spot', Placement: { AvailabilityZone: 'us-east-1b' }, LaunchTime: new Date(1_000) }] }] };
        default:
          return {};
      }
    },
  };
  return { ec2: client as unknown as EC2Client, sent, boxes, targets: () => sent.filter((call) => call.name === 'ModifyFleetCommand').map((call) => (call.input.TargetCapacitySpecification as { TotalTargetCapacity: number }).TotalTargetCapacity) };
}

describe('a fleet lineage\'s replacement comes from its fleet, never from a launch beside it', () => {
  let sdk: Sdk;
  before(async () => {
    sdk = await import('@aws-sdk/client-ec2');
  });
  const now = 1_000_000;

  it('a notice with time to spare: raises the fleet to 2, takes its new box, and lowers it back to 1 at once (no-termination)', async () => {
    const fleet = fakeFleet(['i-old']);
    const box = await fleetReplacement(fleet.ec2, sdk, record, run({ timeline: { notice: now, actionTime: now + 120_000 } }), { signal: new AbortController().signal, logger: silentLogger, now: () => now, intervalMs: 1 });
    assert.deepEqual(box, { instanceId: 'i-new', instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1b', lifecycle: 'spot', launchedAt: 1_000 });
    assert.deepEqual(fleet.targets(), [2, 1]);
    assert.ok(fleet.sent.filter((call) => call.name === 'ModifyFleetCommand').every((call) => call.input.ExcessCapacityTerminationPolicy === 'no-termination'));
  });

  it('a late notice or a lost box: raises nothing and takes the box the fleet launched by itself', async () => {
    for (const late of [run({ timeline: { notice: now, actionTime: now + 20_000 } }), run({ trigger: 'lost' })]) {
      const fleet = fakeFleet(['i-old']);
      const waiting = fleetReplacement(fleet.ec2, sdk, record, late, { signal: new AbortController().signal, logger: silentLogger, now: () => now, intervalMs: 5 });
      // EC2 reclaims the old box and the fleet replaces it.
      setTimeout(() => fleet.boxes.push('i-fleet'), 20);
      assert.equal((await waiting).instanceId, 'i-fleet');
      assert.deepEqual(fleet.targets(), []);
    }
  });

  it('lowers the fleet back even when the wait fails, so a closed window leaves no second box', async () => {
    const fleet = fakeFleet(['i-old'], { launchesOnRaise: false });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(fleetReplacement(fleet.ec2, sdk, record, run({ timeline: { actionTime: now + 120_000 } }), { signal: controller.signal, logger: silentLogger, now: () => now, intervalMs: 5 }));
    assert.deepEqual(fleet.targets(), [2, 1]);
  });

  it('EC2 out of Spot capacity: with a lineage that may move, ends the wait with EC2\'s words once the fleet has tried, and lowers the fleet back', async () => {
    const ice = (zone: string) => ({ ErrorCode: 'InsufficientInstanceCapacity', ErrorMessage: 'There is no Spot capacity available that matches your request.', LaunchTemplateAndOverrides: { Overrides: { InstanceType: 'g5.xlarge', AvailabilityZone: zone } } });
    let errors: Array<Record<string, unknown>> = [];
    const fleet = fakeFleet(['i-old'], { launchesOnRaise: false, fleet: () => ({ ActivityStatus: errors.length ? 'error' : 'pending_fulfillment', Errors: errors }) });
    let clock = now;
    const waiting = fleetReplacement(fleet.ec2, sdk, record, run({ timeline: { notice: now, actionTime: now + 120_000 } }), { signal: new AbortController().signal, logger: silentLogger, now: () => clock, intervalMs: 2, noCapacityAfterMs: 5_000 });
    errors = [ice('us-east-1a'), ice('us-east-1b')];
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.ok(!fleet.sent.some((call) => call.name === 'DescribeFleetsCommand'), 'not asked before the fleet has had its time');
    clock += 5_000;
    const error = await waiting.then(() => assert.fail('resolved'), (reason: unknown) => reason as { name: string; lines: string[]; message: string });
    assert.equal(error.name, 'NoSpotCapacityError');
    assert.deepEqual(error.lines, ['g5.xlarge us-east-1a: InsufficientInstanceCapacity There is no Spot capacity available that matches your request.', 'g5.xlarge us-east-1b: InsufficientInstanceCapacity There is no Spot capacity available that matches your request.']);
    assert.match(error.message, /no Spot capacity for the replacement in us-east-1/);
    assert.deepEqual(fleet.targets(), [2, 1]);
  });

  it('another failure of the fleet (not capacity) is waited out, not taken for a lack of capacity', async () => {
    const fleet = fakeFleet(['i-old'], { launchesOnRaise: false, fleet: () => ({ ActivityStatus: 'error', Errors: [{ ErrorCode: 'InvalidLaunchTemplate.NotFound' }, { ErrorCode: 'InsufficientInstanceCapacity' }] }) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 40);
    const error = await fleetReplacement(fleet.ec2, sdk, record, run({ timeline: { actionTime: now + 120_000 } }), { signal: controller.signal, logger: silentLogger, now: () => now, intervalMs: 2, noCapacityAfterMs: 0 }).catch((reason: Error) => reason);
    assert.notEqual((error as Error).name, 'NoSpotCapacityError');
    assert.ok(fleet.sent.some((call) => call.name === 'DescribeFleetsCommand'));
  });

  it('one box per lineage: terminates the fleet\'s other boxes, never the current one or the one EC2 is about to reclaim', async () => {
    const fleet = fakeFleet(['i-old', 'i-new', 'i-extra']);
    const ended = await terminateExtraFleetBoxes(fleet.ec2, sdk, { ...record, currentInstanceId: 'i-new' }, ['i-new', 'i-old'], silentLogger);
    assert.deepEqual(ended, ['i-extra']);
    assert.deepEqual(fleet.sent.find((call) => call.name === 'TerminateInstancesCommand')?.input, { InstanceIds: ['i-extra'] });
  });
});
