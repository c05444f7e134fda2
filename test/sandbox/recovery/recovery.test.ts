import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeKeyPairsCommand, DescribeSpotInstanceRequestsCommand, type Instance } from '@aws-sdk/client-ec2';
import { resolveBoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { TAGS } from '../../../src/core/aws/spotboxTags';
import type { Box } from '../../../src/core/boxes/box';
import { silentLogger } from '../../../src/core/logging/logger';
import { routeAgentEvent } from '../../../src/core/recovery/agentEventRouter';
import { ec2NoticeChecks } from '../../../src/core/recovery/ec2NoticeCloud';
import { JournalTail } from '../../../src/core/recovery/journalTail';
import { NoticeBoard } from '../../../src/core/recovery/noticeBoard';
import type { NoticeVerdict } from '../../../src/core/recovery/noticeConfirmation';
import { RecoveryCoordinator } from '../../../src/core/recovery/recoveryCoordinator';
import { stepsLost, type LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { describeAll, eventually, startTestSandbox, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';
import { BOX_WORKSPACE, REGION, RecoveryRig, trainerProfile, WORKSPACES } from './recoveryHarness';

describe('Automatic resume on a replacement box (src/core/recovery) against the sandbox cloud', function () {
  this.timeout(240_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let rig: RecoveryRig;
  const tails: JournalTail[] = [];

  before(async () => {
    directory = tempDir('spotbox-recovery-');
    sandbox = await startTestSandbox(directory);
    rig = new RecoveryRig(directory);
  });

  afterEach(async () => {
    tails.splice(0).forEach((tail) => tail.stop());
    sandbox?.ec2.clearFaults();
    // Whatever a scenario left running goes, with what its launches created.
    await rig.releaseAll();
  });

  after(async () => {
    rig?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  function follow(box: Box, onEvent: (type: string) => void, recover: Parameters<RecoveryRig['follow']>[1]['recover']): NoticeBoard {
    const { notices, tail } = rig.follow(box, { onEvent, recover });
    tails.push(tail);
    return notices;
  }

  /** The launches of `boxName` whose key pair is still in EC2 (each launch creates one). */
  async function keyPairsOf(boxName: string): Promise<number> {
    const keyPairs = (await rig.ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? [];
    return keyPairs.filter((key) => key.KeyName?.startsWith(`spotbox-${boxName}-`)).length;
  }

  /** The instance once it has reached `terminated`, as EC2 describes it. */
  function terminated(instanceId: string, timeoutMs: number): Promise<Instance> {
    return eventually(`${instanceId} terminated`, async () => (await describeAll(rig.ec2, [instanceId])).find((instance) => instance.State?.Name === 'terminated'), timeoutMs, 250);
  }

  /** Who ended the instance, as the sandbox's event log (events.jsonl) recorded it. */
  function terminationEvent(instanceId: string): { time: number; stateReason?: string } | undefined {
    const event = sandbox!.events.events({ kind: 'instance-terminated' }).find((candidate) => candidate.details.instanceId === instanceId);
    return event && { time: Date.parse(event.time), stateReason: event.details.stateReason as string | undefined };
  }

  async function spotRequestStatus(instance: Instance): Promise<string | undefined> {
    const requests = await rig.ec2.send(new DescribeSpotInstanceRequestsCommand({ SpotInstanceRequestIds: [instance.SpotInstanceRequestId!] }));
    return requests.SpotInstanceRequests?.[0]?.Status?.Code;
  }

  it('on a spot notice: checkpoint committed before termination, replacement in another pool, trainer resumed at the exact step (0 lost)', async () => {
    const record = await rig.launch(trainerProfile('resume-notice'), { workspace: WORKSPACES.toy });
    const oldBox = (await rig.box(record.currentInstanceId))!;
    await rig.trainerPast(oldBox, 20, 'the trainer stepping on the box', 60_000);

    // No capacity for the interrupted type anywhere: the fleet must take the profile's other type.
    sandbox!.ec2.failCapacity({ region: REGION, instanceType: oldBox.instanceType, count: 0 });
    const coordinator = rig.coordinator('window-1');
    let recovering: Promise<LineageRecord | undefined> | undefined;
    let noticeSeenAt: number | undefined;
    const notices = follow(
      oldBox,
      (type) => (type === 'notice' ? (noticeSeenAt ??= Date.now()) : undefined),
      (facts) => (recovering ??= coordinator.recover('notice', facts)),
    );
    const steps = rig.watchSteps(oldBox);
    const interruptedAt = Date.now();
    // A lead long enough for the resume to come before the action time: the box is still up then.
    sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 60 });

    await eventually('the notice in the editor', async () => (notices.of(oldBox.instanceId)?.kind === 'interruption' ? true : undefined), 15_000, 100);
    assert.ok(noticeSeenAt! - interruptedAt < 6_000, `the notice reached the editor within seconds (${noticeSeenAt! - interruptedAt} ms)`);
    const finished = await eventually('the recovery to start', async () => recovering, 10_000, 100).then((work) => work);
    steps.stop();
    const run = finished.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    assert.notEqual(run.replacementPool?.instanceType, oldBox.instanceType, 'the replacement avoided the interrupted pool');
    assert.ok(run.timeline.checkpointCommitted! <= run.timeline.actionTime!, 'the emergency checkpoint was committed before the action time');
    assert.equal(run.checkpointStep, steps.last(), 'the checkpoint holds the step the trainer reached');

    const log = await rig.trainerResumedOn(finished.currentInstanceId);
    assert.match(log, new RegExp(`resumed at step ${steps.last()}\\b`), '0 steps lost');
    assert.equal(stepsLost({ ...run, stepReached: steps.last() }), 0);
    const replacement = (await rig.box(finished.currentInstanceId))!;
    assert.match(await rig.run(replacement, 'ls ~/ckpt'), new RegExp(`step-${steps.last()}\\.ckpt`), 'the checkpoint files were restored on the replacement');
    // Nothing uploaded it there: the trainer resumed from the workspace the checkpoint brought back.
    assert.equal(await rig.run(replacement, `cat ${BOX_WORKSPACE}/toy_trainer.py`), fs.readFileSync(path.join(WORKSPACES.toy, 'toy_trainer.py'), 'utf8').trim(), 'the workspace was restored on the replacement');

    // In its first hour the old box is left for EC2, which does not charge for it: Spotbox does not
    // terminate it, EC2 reclaims it at the action time, and only then do its launch's key pair,
    // group and template go.
    assert.ok(run.timeline.resumed! < run.timeline.actionTime!, `resumed ${run.timeline.actionTime! - run.timeline.resumed!} ms before the action time`);
    assert.equal((await describeAll(rig.ec2, [oldBox.instanceId]))[0]?.State?.Name, 'running', 'the old box still runs once the replacement has resumed');
    assert.equal(await keyPairsOf('resume-notice'), 2, 'its launch is kept while it runs');
    const reclaimed = await terminated(oldBox.instanceId, run.timeline.actionTime! - Date.now() + 30_000);
    assert.equal(reclaimed.StateReason?.Code, 'Server.SpotInstanceTermination', 'EC2 ended it, not Spotbox');
    const ended = terminationEvent(oldBox.instanceId);
    assert.equal(ended?.stateReason, 'Server.SpotInstanceTermination');
    assert.ok(ended?.time !== undefined && ended.time >= run.timeline.actionTime! - 1_000, 'terminated at the action time, not before');
    assert.equal(await spotRequestStatus(reclaimed), 'instance-terminated-no-capacity');
    await eventually('the interrupted launch released', async () => ((await keyPairsOf('resume-notice')) === 1 ? true : undefined), 60_000, 500);
    // The release deletes the EC2 key pair first, then the local key file: wait for both, not the first alone.
    await eventually('the interrupted launch\'s key file removed', async () => (fs.readdirSync(rig.keyDirectory).filter((name) => name.startsWith('spotbox-resume-notice-')).length === 1 ? true : undefined), 30_000, 250);
    await coordinator.releasesSettled();
  });

  it('a notice line written into the journal by hand (no interruption in EC2) launches nothing, ends nothing, and is logged as unconfirmed', async () => {
    const record = await rig.launch(trainerProfile('forged-notice'), { workspace: WORKSPACES.toy });
    const box = (await rig.box(record.currentInstanceId))!;
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    // Wired as the extension wires it: one check shared by the router and the coordinator's port.
    const checks = ec2NoticeChecks(() => rig.clients);
    const coordinator = new RecoveryCoordinator(rig.lineages, rig.ports({ confirmNotice: (region, instanceId) => checks.confirm(region, instanceId) }), { windowId: 'window-1', logger, heartbeatMs: 1_000 });
    const notices = new NoticeBoard();
    const recoveries: Array<Promise<unknown>> = [];
    let refused: NoticeVerdict | undefined;
    const tail = new JournalTail({
      connect: async () => connectEndpoint(await resolveBoxEndpoint(rig.clients, box, { keyDirectory: rig.keyDirectory, defaultUser: 'ubuntu' }), { retries: 2 }),
      boxAlive: async () => (await rig.box(box.instanceId))?.state === 'running',
      onEvent: (event) =>
        routeAgentEvent(
          box,
          event,
          {
            notices,
            confirmNotice: (noticed) => checks.confirm(noticed.region, noticed.instanceId),
            noticeIgnored: (_noticed, verdict) => (refused = verdict),
            recover: (facts) => {
              const work = coordinator.recover('notice', facts);
              recoveries.push(work);
              return work;
            },
            noteStep: async () => undefined,
            announce: () => undefined,
            logger,
          },
          Date.now(),
        ),
      initialBackoffMs: 200,
    });
    tails.push(tail);
    tail.start();

    // What any process on the box can do: append a notice in the agent's own format.
    const actionTime = new Date(Date.now() + 120_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await rig.run(box, `echo '{"time":"${new Date().toISOString()}","type":"notice","action":"terminate","actionTime":"${actionTime}"}' >> ~/.spotbox/journal.jsonl`);
    const verdict = await eventually('the forged notice to be refused', async () => refused, 30_000, 100);
    assert.equal(verdict.confirmed, false);
    assert.equal(!verdict.confirmed && verdict.reason, 'not-marked');
    // The coordinator asked directly (as a second window, or a caller without the router's check) refuses too.
    const direct = await coordinator.recover('notice', { instanceId: box.instanceId, instanceType: box.instanceType, availabilityZone: box.availabilityZone, noticeTime: Date.now() });
    await Promise.all(recoveries);

    assert.deepEqual(recoveries, [], 'the router started no recovery');
    assert.equal(direct?.recovery, undefined);
    assert.equal(notices.of(box.instanceId), undefined, 'no countdown in the tree');
    const after = (await rig.lineages.get(record.lineage))!;
    assert.deepEqual(after.instanceIds, [box.instanceId], 'no replacement launched');
    assert.equal(after.recovery, undefined);
    const [instance] = await describeAll(rig.ec2, [box.instanceId]);
    assert.equal(instance?.State?.Name, 'running', 'the box was not terminated');
    assert.equal(instance?.Tags?.find((tag) => tag.Key === TAGS.recovery), undefined, 'not even claimed for a recovery');
    assert.equal(await spotRequestStatus(instance), 'fulfilled');
    assert.equal(await keyPairsOf('forged-notice'), 1);
    assert.equal(warnings.filter((message) => /the box's journal reported a spot notice that EC2 does not confirm; ignored/.test(message)).length, 2, warnings.join('\n'));
  });

  it('a box older than an hour is terminated by Spotbox as soon as the replacement resumes (billed per second either way)', async () => {
    const record = await rig.launch(trainerProfile('resume-old-box'), { workspace: WORKSPACES.toy });
    const oldBox = (await rig.box(record.currentInstanceId))!;
    sandbox!.ec2.setLaunchAge(oldBox.instanceId, 2 * 3600);
    const coordinator = rig.coordinator('window-1');
    let recovering: Promise<LineageRecord | undefined> | undefined;
    follow(oldBox, () => undefined, (facts) => (recovering ??= coordinator.recover('notice', facts)));
    sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 90 });
    const finished = await eventually('the recovery to start', async () => recovering, 15_000, 100).then((work) => work);
    const run = finished.recovery!;
    assert.equal(run.phase, 'resumed', run.error);

    const ended = await terminated(oldBox.instanceId, 30_000);
    assert.equal(ended.StateReason?.Code, 'Client.UserInitiatedShutdown', 'Spotbox terminated it');
    assert.ok(terminationEvent(oldBox.instanceId)!.time < run.timeline.actionTime!, 'before EC2 would have');
    assert.equal(await spotRequestStatus(ended), 'instance-terminated-by-user');
    await eventually('the interrupted launch released', async () => ((await keyPairsOf('resume-old-box')) === 1 ? true : undefined), 30_000, 500);
    await coordinator.releasesSettled();
  });

  it('without a notice (hard termination): resumed from the last periodic checkpoint, losing at most one interval', async () => {
    const record = await rig.launch(trainerProfile('resume-lost'), { workspace: WORKSPACES.toy, tuning: { intervalSeconds: 3 } });
    const oldBox = (await rig.box(record.currentInstanceId))!;
    let committed = 0;
    follow(oldBox, (type) => (type === 'checkpoint-committed' ? committed++ : undefined), async () => undefined);
    await eventually('two periodic checkpoints', async () => (committed >= 2 ? true : undefined), 60_000, 200);
    const steps = rig.watchSteps(oldBox);
    sandbox!.ec2.hardTerminate(oldBox.instanceId);
    await eventually('the box to be gone', async () => ((await rig.box(oldBox.instanceId))?.state === 'running' ? undefined : true), 30_000, 200);
    steps.stop();

    const finished = await rig.coordinator('window-1').recover('lost', { instanceId: oldBox.instanceId, instanceType: oldBox.instanceType, availabilityZone: oldBox.availabilityZone, stepReached: steps.last() });
    const run = finished!.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    assert.equal(run.timeline.checkpointCommitted, undefined, 'no emergency checkpoint without a notice');
    assert.ok(run.checkpointStep !== undefined && run.checkpointStep > 0);
    const lost = stepsLost(run)!;
    // 3 s at 0.05 s a step is 60 steps; the periodic checkpoint also waits for the trainer's save.
    assert.ok(lost <= 100, `${lost} steps lost, at most about one interval`);
    const log = await rig.trainerResumedOn(finished!.currentInstanceId);
    assert.match(log, new RegExp(`resumed at step ${run.checkpointStep}\\b`));
  });

  it('S3 failing through the whole notice: the emergency upload is retried, never torn, and the previous checkpoint is resumed', async () => {
    const record = await rig.launch(trainerProfile('resume-s3-down'), { workspace: WORKSPACES.toy, tuning: { intervalSeconds: 3 } });
    const oldBox = (await rig.box(record.currentInstanceId))!;
    const seen: string[] = [];
    let recovering: Promise<LineageRecord | undefined> | undefined;
    const coordinator = rig.coordinator('window-1');
    follow(oldBox, (type) => seen.push(type), (facts) => (recovering ??= coordinator.recover('notice', facts)));
    await eventually('two periodic checkpoints', async () => (seen.filter((type) => type === 'checkpoint-committed').length >= 2 ? true : undefined), 60_000, 200);
    const steps = rig.watchSteps(oldBox);

    // S3 sheds every request from the notice until the box is gone: its agent cannot commit in time.
    // The lead leaves the agent room for retries before its deadline (the action time less a margin).
    sandbox!.s3.failNext(1_000_000, 500);
    sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 25 });
    await eventually('the box to be reclaimed', async () => ((await rig.box(oldBox.instanceId))?.state === 'running' ? undefined : true), 60_000, 500);
    steps.stop();
    sandbox!.s3.failNext(0);

    const finished = await eventually('the recovery to start', async () => recovering, 10_000, 100).then((work) => work);
    const run = finished.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    assert.ok(seen.includes('upload-retry'), `the agent retried the emergency upload (${[...new Set(seen)].join(', ')})`);
    assert.equal(run.timeline.checkpointCommitted, undefined, 'no emergency checkpoint could be committed');
    const newest = await rig.ports().newestCheckpoint(finished);
    assert.equal(run.checkpointSeq, newest?.seq, 'the newest complete checkpoint, from before the notice, was restored');
    assert.ok(newest!.createdAt < run.timeline.notice!, 'no manifest was written for the failed upload');
    const lost = stepsLost({ ...run, stepReached: steps.last() })!;
    // The trainer stopped on the notice, so about one interval (3 s at 0.05 s a step, plus the save) is lost.
    assert.ok(lost <= 150, `${lost} steps lost, about one interval`);
    const log = await rig.trainerResumedOn(finished.currentInstanceId);
    assert.match(log, new RegExp(`resumed at step ${run.checkpointStep}\\b`));
  });

  it('a window reloaded in the middle of a recovery: the next window takes it over and it completes once', async () => {
    const record = await rig.launch(trainerProfile('resume-reload'), { workspace: WORKSPACES.toy });
    const oldBox = (await rig.box(record.currentInstanceId))!;
    await rig.trainerPast(oldBox, 20, 'the trainer stepping on the box', 60_000);
    let reachedRestore: () => void = () => undefined;
    const restoring = new Promise<void>((resolve) => (reachedRestore = resolve));
    // The first window stops for good while restoring: its extension host is gone with the reload.
    const beforeReload = rig.coordinator('before-reload', { restore: () => (reachedRestore(), new Promise<void>(() => undefined)) });
    let recovering: Promise<unknown> | undefined;
    follow(oldBox, () => undefined, (facts) => (recovering ??= beforeReload.recover('notice', facts)));
    const steps = rig.watchSteps(oldBox);
    sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 20 });
    await restoring;
    beforeReload.dispose();
    void recovering;

    const afterReload = rig.coordinator('after-reload', {}, { leaseMs: 2_000 });
    const finished = await eventually(
      'the reloaded window to finish the recovery',
      async () => {
        await afterReload.continueUnfinished();
        const current = await rig.lineages.get(record.lineage);
        return current?.recovery?.phase === 'resumed' || current?.recovery?.phase === 'failed' ? current : undefined;
      },
      120_000,
      1_000,
    );
    steps.stop();
    assert.equal(finished.recovery?.phase, 'resumed', finished.recovery?.error);
    assert.equal(finished.recovery?.owner, 'after-reload');
    assert.equal(finished.instanceIds.length, 2, 'one replacement, launched before the reload and reused after it');
    const log = await rig.trainerResumedOn(finished.currentInstanceId);
    assert.match(log, new RegExp(`resumed at step ${steps.last()}\\b`), '0 steps lost across the reload');
  });

  it('a second notice, on the replacement while it is restored, is recovered the same way', async () => {
    const record = await rig.launch(trainerProfile('resume-twice'), { workspace: WORKSPACES.toy });
    const oldBox = (await rig.box(record.currentInstanceId))!;
    await rig.trainerPast(oldBox, 20, 'the trainer stepping on the box', 60_000);
    let secondNotice = false;
    const realPorts = rig.ports();
    const coordinator: ReturnType<RecoveryRig['coordinator']> = rig.coordinator('window-1', {
      restore: async (current, instanceId, checkpoint, signal) => {
        if (!secondNotice) {
          secondNotice = true;
          const replacement = (await rig.box(instanceId))!;
          // The replacement is reclaimed too, while it is being restored; its agent's notice reaches the editor.
          sandbox!.ec2.interruptSpot(instanceId, { leadSeconds: 25 });
          follow(replacement, () => undefined, (facts) => coordinator.recover('notice', facts));
        }
        return realPorts.restore(current, instanceId, checkpoint, signal);
      },
    });
    let recovering: Promise<unknown> | undefined;
    follow(oldBox, () => undefined, (facts) => (recovering ??= coordinator.recover('notice', facts)));
    sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 20 });
    await eventually('the first recovery to start', async () => recovering, 20_000, 100);

    const finished = await eventually(
      'the recovery of the replacement',
      async () => {
        const current = await rig.lineages.get(record.lineage);
        return current && current.instanceIds.length === 3 && (current.recovery?.phase === 'resumed' || current.recovery?.phase === 'failed') ? current : undefined;
      },
      180_000,
      1_000,
    );
    const run = finished.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    assert.equal(run.interruptedInstanceId, finished.instanceIds[1], 'the second run recovered the first replacement');
    const log = await rig.trainerResumedOn(finished.currentInstanceId, 'the trainer on the second replacement');
    assert.match(log, new RegExp(`resumed at step ${run.checkpointStep}\\b`));
    // A reclaimed box in its first hour runs on until EC2 takes it at its action time.
    await eventually('exactly one box of the lineage running', async () => {
      const running = [];
      for (const instanceId of finished.instanceIds) {
        if ((await rig.box(instanceId))?.state === 'running') {
          running.push(instanceId);
        }
      }
      return running.length === 1 && running[0] === finished.currentInstanceId ? true : undefined;
    }, 60_000, 1_000);
    // Both reclaimed boxes' launches are released, whichever way the first run ended.
    await eventually('the reclaimed launches released', async () => {
      const keyPairs = (await rig.ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? [];
      return keyPairs.filter((key) => key.KeyName?.startsWith('spotbox-resume-twice-')).length === 1 ? true : undefined;
    }, 60_000, 1_000);
  });
});
