import * as assert from 'node:assert/strict';
import { DescribeFleetInstancesCommand } from '@aws-sdk/client-ec2';
import type { Box } from '../../../src/core/boxes/box';
import type { JournalTail } from '../../../src/core/recovery/journalTail';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, startTestSandbox, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';
import { BOX_WORKSPACE, fleetTrainerProfile, RecoveryRig, WORKSPACES } from './recoveryHarness';

const TRAINER = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;

/**
 * Issue 12 with a window open: the window and the fleet both want to replace the box. The window
 * raises the fleet at the notice (resumed before the old box goes, as before fleets), or leaves a
 * late notice to the fleet; either way the lineage ends with exactly one box once EC2 has reclaimed
 * the old one, and nothing is launched beside the fleet.
 */
describe('Fleet lineages with a window open: the window and the fleet race, one box per lineage (issue 12)', function () {
  this.timeout(300_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let rig: RecoveryRig;
  const tails: JournalTail[] = [];

  before(async () => {
    directory = tempDir('spotbox-fleet-window-');
    sandbox = await startTestSandbox(directory);
    rig = new RecoveryRig(directory);
  });

  afterEach(async () => {
    tails.splice(0).forEach((tail) => tail.stop());
    await rig.releaseAll();
  });

  after(async () => {
    rig?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  async function interrupt(name: string, leadSeconds: number) {
    const record = await rig.launch(fleetTrainerProfile(name, TRAINER), { workspace: WORKSPACES.pytorchLoop });
    assert.ok(record.fleetId);
    const oldBox = (await rig.box(record.currentInstanceId))!;
    await rig.trainerPast(oldBox, 100);
    const coordinator = rig.coordinator('window-1');
    let recovering: Promise<LineageRecord | undefined> | undefined;
    const { tail } = rig.follow(oldBox, { recover: (facts) => (recovering ??= coordinator.recover('notice', facts)) });
    tails.push(tail);
    const steps = rig.watchSteps(oldBox);
    const { time } = sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds });
    const finished = await eventually('the recovery to start', async () => recovering, 30_000, 100).then((work) => work);
    steps.stop();
    const run = finished.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    return { record, oldBox, finished: finished, run, coordinator, actionTime: Date.parse(time), stepReached: steps.last() };
  }

  /** After EC2 has reclaimed the old box and the fleet has had time to act: its boxes, and the lineage's live ones. */
  async function afterTheReclaim(record: LineageRecord, oldBox: Box): Promise<{ fleet: string[]; live: string[] }> {
    await eventually('EC2 to reclaim the old box', async () => ((await rig.allInstances()).find((instance) => instance.instanceId === oldBox.instanceId)?.state === 'terminated' ? true : undefined), 180_000, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // The sandbox's fleet replaces a lost box after 1 s.
    const output = await rig.ec2.send(new DescribeFleetInstancesCommand({ FleetId: record.fleetId! }));
    const live = (await rig.allInstances()).filter((instance) => instance.lineage === record.lineage && instance.state !== 'terminated' && instance.state !== 'shutting-down');
    return { fleet: (output.ActiveInstances ?? []).map((instance) => instance.InstanceId!), live: live.map((instance) => instance.instanceId) };
  }

  it('a notice with time to spare: the window raises the fleet, the box restores itself and resumes at the exact step before the old box goes; one box afterwards', async () => {
    const { record, oldBox, finished, run, coordinator, actionTime, stepReached } = await interrupt('window-raise', 40);
    const replacementId = finished.currentInstanceId;
    assert.notEqual(replacementId, oldBox.instanceId);
    assert.ok(run.timeline.resumed! < actionTime, 'resumed before the old box\'s termination time');
    assert.equal(run.checkpointStep, stepReached, 'the box restored the notice checkpoint, which holds the last step');
    assert.equal(run.resumedStep, stepReached, 'the box journalled the step it resumed from');
    const log = await rig.trainerResumedOn(replacementId);
    assert.match(log, new RegExp(`resumed at step ${stepReached}\\b`), '0 steps lost');
    const { fleet, live } = await afterTheReclaim(record, oldBox);
    assert.deepEqual(fleet, [replacementId], 'the fleet keeps the window\'s replacement and launched no other');
    assert.deepEqual(live, [replacementId], 'one box for the lineage');
    await coordinator.releasesSettled();
  });

  it('a late notice (under 30 s): the window launches nothing and follows the fleet\'s own replacement; one box afterwards', async () => {
    const { record, oldBox, finished, run, coordinator, actionTime } = await interrupt('window-late', 15);
    const replacementId = finished.currentInstanceId;
    assert.ok(run.timeline.replacementLaunched! >= actionTime - 1_000, 'the replacement came from the fleet, once EC2 reclaimed the box');
    await rig.trainerResumedOn(replacementId);
    const { fleet, live } = await afterTheReclaim(record, oldBox);
    assert.deepEqual(fleet, [replacementId]);
    assert.deepEqual(live, [replacementId]);
    await coordinator.releasesSettled();
  });
});
