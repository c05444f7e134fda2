import * as assert from 'node:assert/strict';
import type { Box } from '../../../src/core/boxes/box';
import { silentLogger } from '../../../src/core/logging/logger';
import type { BootRestoreOutcome } from '../../../src/core/recovery/bootRestoreJournal';
import type { NoticeCheckpoint } from '../../../src/core/recovery/noticeCheckpointReader';
import type { NoticeVerdict } from '../../../src/core/recovery/noticeConfirmation';
import { stepsLost } from '../../../src/core/recovery/recoveryTypes';
import { lazySelfRestorePorts, SelfRestoreFollower, type SelfRestorePorts, type SelfRestoreRecord } from '../../../src/core/recovery/selfRestoreFollower';
import { resumedMessage, timelineEntries, timelineSummary } from '../../../src/core/recovery/timelineText';

const old: Box = { cloud: 'azure', instanceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/trainer_a1', name: 'trainer', region: 'eastus', availabilityZone: 'eastus', instanceType: 'Standard_NC4as_T4_v3', lifecycle: 'spot', state: 'running', lineage: 'trainer-1', keyName: 'trainer-x1' };
const fresh: Box = { ...old, instanceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/trainer_b2' };

/** A cloud whose steps resolve when the test says so, at the fake clock's times. */
function cloud(options: { verdict?: NoticeVerdict; boot?: BootRestoreOutcome; replacementError?: Error } = {}) {
  let now = 10_000;
  const calls: string[] = [];
  const gates = {
    checkpoint: deferred<NoticeCheckpoint>(),
    replacement: deferred<Box>(),
  };
  const ports: SelfRestorePorts = {
    confirm: async (box) => (calls.push(`confirm ${box.instanceId}`), options.verdict ?? { confirmed: true, evidence: 'trainer_a1 is being deleted' }),
    noticeCheckpoint: (_box, since) => (calls.push(`checkpoint since ${since}`), gates.checkpoint.promise),
    replacement: (box, noticeTime) => (calls.push(`replacement of ${box.instanceId} after ${noticeTime}`), options.replacementError ? Promise.reject(options.replacementError) : gates.replacement.promise),
    bootRestore: async (box) => (calls.push(`boot ${box.instanceId}`), options.boot ?? { phase: 'resumed', restoredAt: 52_000, resumedAt: 53_000, seq: 7, step: 300 }),
  };
  return { ports, calls, gates, clock: { now: () => now, set: (value: number) => (now = value) } };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SelfRestoreFollower (a recovery Google Cloud or Azure makes by itself, followed into a timeline)', () => {
  it('records notice → checkpoint committed (the manifest) → replacement running → restored → resumed, with steps lost, launching nothing', async () => {
    const c = cloud();
    const changes: Array<SelfRestoreRecord['recovery']> = [];
    const follower = new SelfRestoreFollower(() => c.ports, { logger: silentLogger, now: c.clock.now, onChange: (record) => changes.push(record.recovery) });
    const following = follower.follow(old, { instanceId: old.instanceId, instanceType: old.instanceType, noticeTime: 10_000, actionTime: 40_000, stepReached: 298 });
    await settle();
    assert.equal(follower.recordOf(old)?.recovery?.phase, 'noticed');
    c.clock.set(14_000);
    c.gates.checkpoint.resolve({ manifestName: 'p/trainer-1/000007/manifest.json', seq: 7, step: 300, createdAt: 13_500, seenAt: 14_000 });
    await settle();
    c.clock.set(45_000);
    c.gates.replacement.resolve(fresh);
    const record = await following;
    const run = record!.recovery!;
    assert.equal(run.phase, 'resumed');
    assert.deepEqual(run.timeline, { notice: 10_000, actionTime: 40_000, checkpointCommitted: 13_500, replacementRunning: 45_000, restored: 52_000, resumed: 53_000 });
    assert.equal(run.replacementInstanceId, fresh.instanceId);
    assert.equal(run.checkpointSeq, '7');
    assert.equal(stepsLost(run), 0, 'the trainer saved at 300 and resumed there; the journal had seen 298');
    assert.deepEqual(timelineEntries(run).map((entry) => `${entry.label} +${entry.afterSeconds}`), ['interruption notice +0', 'checkpoint committed +3.5', 'replacement running +35', 'restored +42', 'resumed +43']);
    assert.match(timelineSummary(run), /Restored from checkpoint 7 \(step 300\); 0 steps lost\./);
    assert.match(resumedMessage('trainer', run), /^trainer is back on trainer_b2 \(Standard_NC4as_T4_v3 eastus, spot\): interruption notice/);
    assert.deepEqual(c.calls, ['checkpoint since 5000', `replacement of ${old.instanceId} after 10000`, `boot ${fresh.instanceId}`]);
    assert.deepEqual(changes.map((change) => change?.phase), ['noticed', 'noticed', 'restoring', 'resumed']);
    assert.equal(follower.recordOf(fresh)?.recovery?.id, run.id, "the new box's row finds the same timeline");
    assert.equal(record!.recoveries?.length, 1);
  });

  it('joins a notice read twice (a replayed journal) instead of following it twice', async () => {
    const c = cloud();
    const follower = new SelfRestoreFollower(() => c.ports, { logger: silentLogger, now: c.clock.now });
    const facts = { instanceId: old.instanceId, instanceType: old.instanceType, noticeTime: 10_000 };
    const first = follower.follow(old, facts);
    const second = follower.follow(old, facts);
    assert.equal(first, second);
    c.gates.checkpoint.resolve({ manifestName: 'm', seq: 7, seenAt: 11_000 });
    c.gates.replacement.resolve(fresh);
    await first;
    const again = await follower.follow(old, facts);
    assert.equal(again?.recoveries?.length, 1, 'the finished run is not started again');
    assert.equal(c.calls.filter((call) => call.startsWith('replacement')).length, 1);
  });

  it('fails the run with the reason when the new box could not restore itself, and still records the checkpoint', async () => {
    const c = cloud({ boot: { phase: 'failed', error: 'sha256 differs from the manifest' } });
    const follower = new SelfRestoreFollower(() => c.ports, { logger: silentLogger, now: c.clock.now });
    const following = follower.follow(old, { instanceId: old.instanceId, instanceType: old.instanceType, noticeTime: 10_000 });
    c.gates.checkpoint.resolve({ manifestName: 'm', seq: 7, step: 300, seenAt: 12_000 });
    c.gates.replacement.resolve(fresh);
    const run = (await following)!.recovery!;
    assert.equal(run.phase, 'failed');
    assert.match(run.error ?? '', /could not restore itself: sha256 differs/);
    assert.equal(run.timeline.checkpointCommitted, 12_000);
  });

  it('follows nothing for a box without a lineage or a cloud without ports', async () => {
    const c = cloud();
    const follower = new SelfRestoreFollower((box) => (box.cloud === 'azure' ? c.ports : undefined), { logger: silentLogger });
    assert.equal(await follower.follow({ ...old, lineage: undefined }, { instanceId: old.instanceId, instanceType: 'x', noticeTime: 1 }), undefined);
    assert.equal(await follower.follow({ ...old, cloud: 'aws' }, { instanceId: old.instanceId, instanceType: 'x', noticeTime: 1 }), undefined);
    assert.deepEqual(c.calls, []);
  });

  it('asks the cloud once per notice, keeps a confirmation and asks again after a refusal', async () => {
    let verdict: NoticeVerdict = { confirmed: false, reason: 'not-marked', detail: 'running' };
    let asked = 0;
    const ports = { ...cloud().ports, confirm: async () => (asked++, verdict) };
    const follower = new SelfRestoreFollower(() => ports, { logger: silentLogger });
    const notice = { noticeTime: 10_000, actionTime: 40_000 };
    await Promise.all([follower.confirm(old, notice), follower.confirm(old, notice)]);
    assert.equal(asked, 1);
    verdict = { confirmed: true, evidence: 'deleting' };
    assert.equal((await follower.confirm(old, notice)).confirmed, true);
    assert.equal((await follower.confirm(old, notice)).confirmed, true);
    assert.equal(asked, 2);
  });

  it('lazy ports: a cloud that cannot be loaded refuses the notice instead of throwing', async () => {
    const ports = lazySelfRestorePorts(async () => {
      throw new Error('no gcloud configuration');
    });
    const verdict = await ports.confirm(old, { noticeTime: 1 });
    assert.deepEqual(verdict, { confirmed: false, reason: 'unreachable', detail: 'asking azure failed: no gcloud configuration' });
  });
});

describe('SelfRestoreFollower.recall (a restore at boot no window followed, read from the new box\'s journal)', () => {
  const outcome: BootRestoreOutcome = { phase: 'resumed', restoredAt: 52_000, resumedAt: 53_000, seq: 7, step: 300, handoff: { from: 'trainer_a1', noticeTime: 10_000, actionTime: 40_000, step: 298 } };

  it('records notice → checkpoint committed → replacement running → restored → resumed from the journal and the manifest, marked unwatched, and says so', async () => {
    const c = cloud();
    c.gates.checkpoint.resolve({ manifestName: 'p/trainer-1/000007/manifest.json', seq: 7, step: 300, createdAt: 13_500, seenAt: 60_000 });
    const changes: string[] = [];
    const follower = new SelfRestoreFollower(() => c.ports, { logger: silentLogger, now: c.clock.now, onChange: (record) => changes.push(record.recovery!.phase) });
    const record = await follower.recall(fresh, outcome, 44_000);
    const run = record!.recovery!;
    assert.deepEqual(run.timeline, { notice: 10_000, actionTime: 40_000, checkpointCommitted: 13_500, replacementRunning: 44_000, restored: 52_000, resumed: 53_000 });
    assert.equal(run.phase, 'resumed');
    assert.equal(run.unwatched, true);
    assert.equal(run.trigger, 'notice');
    assert.equal(run.interruptedInstanceId, 'trainer_a1');
    assert.equal(run.replacementInstanceId, fresh.instanceId);
    assert.equal(stepsLost(run), 0);
    assert.match(timelineSummary(run), /^Before this window looked, the cloud replaced the box and it restored itself: interruption notice → checkpoint committed 3\.5 s → replacement running 34 s → restored 42 s → resumed 43 s\. Restored from checkpoint 7 \(step 300\); 0 steps lost\.$/);
    assert.deepEqual(c.calls, ['checkpoint since 5000'], 'nothing launched, nothing waited for');
    assert.deepEqual(changes, ['resumed']);
    assert.equal(follower.recordOf(fresh)?.recovery?.id, run.id);
    // The next window reads the same restore again: the same run id, so its summary is said once (RecoveryNotifications).
    const next = await new SelfRestoreFollower(() => c.ports, { logger: silentLogger, now: c.clock.now }).recall(fresh, outcome, 44_000);
    assert.equal(next?.recovery?.id, run.id);
  });

  it('does nothing for a box it followed live, a lineage it is following, or a first boot that restored nothing', async () => {
    const c = cloud();
    const follower = new SelfRestoreFollower(() => c.ports, { logger: silentLogger, now: c.clock.now });
    assert.equal(await follower.recall(fresh, { phase: 'no-checkpoint' }, 1_000), undefined, 'a first boot');
    const following = follower.follow(old, { instanceId: old.instanceId, instanceType: old.instanceType, noticeTime: 10_000 });
    await settle();
    assert.equal(await follower.recall(fresh, outcome, 44_000), undefined, 'the live run is the timeline');
    c.gates.checkpoint.resolve({ manifestName: 'm', seq: 7, step: 300, createdAt: 13_500, seenAt: 14_000 });
    c.gates.replacement.resolve(fresh);
    await following;
    assert.equal(await follower.recall(fresh, outcome, 44_000), undefined, 'followed live already');
    assert.equal(await follower.recall({ ...fresh, instanceId: fresh.instanceId.toUpperCase() }, outcome, 44_000), undefined, 'ARM ids in another case are the same box');
    assert.equal(await follower.recall({ ...fresh, instanceId: 'another-id' }, { ...outcome, handoff: { ...outcome.handoff, noticeTime: 12_000 } }, 44_000), undefined, 'the same notice, 2 s apart');
    assert.equal(follower.recordOf(fresh)?.recoveries?.length, 1);
  });

  it('without the manifest (the bucket does not answer in time) the run is still recorded from the journal', async () => {
    const c = cloud();
    const follower = new SelfRestoreFollower(() => c.ports, { logger: silentLogger, now: c.clock.now });
    const record = await follower.recall(fresh, { ...outcome, phase: 'failed', error: 'checkpoint 7 is torn', resumedAt: undefined }, 44_000, 50);
    const run = record!.recovery!;
    assert.equal(run.phase, 'failed');
    assert.match(run.error ?? '', /could not restore itself: checkpoint 7 is torn/);
    assert.equal(run.timeline.checkpointCommitted, undefined);
    assert.equal(run.timeline.notice, 10_000);
  });
});
