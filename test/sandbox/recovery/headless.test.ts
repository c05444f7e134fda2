import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DescribeFleetInstancesCommand, DescribeFleetsCommand } from '@aws-sdk/client-ec2';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, startTestSandbox, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';
import { headlessResume, type HeadlessResume } from './headlessWatch';
import { BOX_WORKSPACE, fleetTrainerProfile, RecoveryRig, requireTorch, WORKSPACES } from './recoveryHarness';

/**
 * Issue 12: the box is replaced and its session resumed with no editor at all. Only the sandbox
 * cloud and the boxes run: no coordinator, no journal tail, nothing of the editor's. The fleet of
 * type maintain replaces the box; the box restores itself at boot. The test reads the boxes the
 * way a user would (SSH), and asks EC2 how many boxes the lineage has.
 */
describe('Headless recovery: the fleet replaces the box and the box restores itself, no editor running (issue 12)', function () {
  this.timeout(360_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let rig: RecoveryRig;

  before(async () => {
    requireTorch();
    directory = tempDir('spotbox-headless-');
    sandbox = await startTestSandbox(directory);
    rig = new RecoveryRig(directory);
  });

  afterEach(async () => {
    sandbox?.ec2.clearFaults();
    await rig.releaseAll();
  });

  after(async () => {
    rig?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  async function fleetBoxes(record: LineageRecord): Promise<string[]> {
    const output = await rig.ec2.send(new DescribeFleetInstancesCommand({ FleetId: record.fleetId! }));
    return (output.ActiveInstances ?? []).map((instance) => instance.InstanceId!).sort();
  }

  it('a spot notice: the agent saves on SIGTERM, EC2 reclaims the box, the fleet launches one replacement, which restores itself and resumes at the exact step', async () => {
    const command = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;
    const record = await rig.launch(fleetTrainerProfile('headless-notice', command), { workspace: WORKSPACES.pytorchLoop });
    assert.ok(record.fleetId, 'the lineage is kept by a fleet');
    const oldBox = (await rig.box(record.currentInstanceId))!;
    await rig.trainerPast(oldBox, 100);

    const noticeAt = Date.now();
    const { time: actionTime } = sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 35 });
    const resumed: HeadlessResume = await headlessResume(rig, record, { noticeAt, timeoutMs: 180_000 });

    const oldLog = await fs.promises.readFile(resumed.oldTrainerLogCopy, 'utf8');
    const stoppedAt = Number(/stopping at step (\d+): the box is going/.exec(oldLog)?.[1]);
    assert.ok(stoppedAt >= 100, `the old trainer saved on SIGTERM and stopped (log: ${oldLog.slice(-300)})`);
    assert.match(resumed.trainerLog, new RegExp(`resumed at step ${stoppedAt}\\b`), '0 steps lost: resumed at the step the old box saved');
    assert.ok(resumed.resumedAt > Date.parse(actionTime), 'with no editor, the fleet replaces the box only once EC2 has reclaimed it');
    assert.equal(resumed.boot.phase, 'resumed');
    assert.equal(resumed.boot.handoff?.from, oldBox.instanceId, 'the replacement waited for the old box\'s emergency checkpoint');

    // Nothing else launched: the fleet holds exactly the replacement, and the lineage's tag is on two instances in all.
    assert.deepEqual(await fleetBoxes(record), [resumed.replacementId]);
    const described = await rig.ec2.send(new DescribeFleetsCommand({ FleetIds: [record.fleetId] }));
    assert.equal(described.Fleets?.[0]?.FleetState, 'active');
    const lineageBoxes = (await rig.allInstances()).filter((instance) => instance.lineage === record.lineage);
    assert.deepEqual(lineageBoxes.map((instance) => instance.instanceId).sort(), [oldBox.instanceId, resumed.replacementId].sort());
    console.log(`      headless notice -> resumed: ${((resumed.resumedAt - noticeAt) / 1000).toFixed(1)} s (the notice's lead was 35 s)`);
  });

  it('a hard termination (no notice): the replacement restores the newest periodic checkpoint, losing less than one interval', async () => {
    const intervalSeconds = 8;
    const command = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;
    const record = await rig.launch(fleetTrainerProfile('headless-hard', command), { workspace: WORKSPACES.pytorchLoop, tuning: { intervalSeconds } });
    const oldBox = (await rig.box(record.currentInstanceId))!;
    // Past two periodic checkpoints, so the newest one is a periodic save taken while training.
    await eventually('two periodic checkpoints', async () => (Number(await rig.run(oldBox, 'grep -c checkpoint-committed ~/.spotbox/journal.jsonl || true')) >= 2 ? true : undefined), 120_000, 1_000);
    const stepAtLoss = await rig.stepOn(oldBox);
    const lostAt = Date.now();
    sandbox!.ec2.hardTerminate(oldBox.instanceId);
    const resumed = await headlessResume(rig, record, { noticeAt: lostAt, timeoutMs: 180_000 });
    const resumedFrom = Number(/resumed at step (\d+)/.exec(resumed.trainerLog)?.[1]);
    const stepsPerInterval = intervalSeconds / 0.02;
    assert.ok(resumedFrom > 0 && stepAtLoss - resumedFrom < stepsPerInterval, `lost ${stepAtLoss - resumedFrom} steps, less than one interval (${stepsPerInterval} steps at most)`);
    assert.equal(resumed.boot.handoff, undefined, 'no notice, no handoff to wait for');
    assert.deepEqual(await fleetBoxes(record), [resumed.replacementId]);
    console.log(`      headless hard termination -> resumed: ${((resumed.resumedAt - lostAt) / 1000).toFixed(1)} s, ${stepAtLoss - resumedFrom} steps lost (interval ${intervalSeconds} s)`);
  });
});
