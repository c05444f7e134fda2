import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LaunchedBox, LaunchRequest } from '../../../src/core/launch/launchTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import { LineageStore } from '../../../src/core/recovery/lineageStore';
import { RecoveryCoordinator } from '../../../src/core/recovery/recoveryCoordinator';
import type { RecoveryPorts } from '../../../src/core/recovery/recoveryCoordinatorPorts';
import { replacementPools } from '../../../src/core/recovery/replacementPools';
import { stepsLost, type CheckpointRef, type LineageRecord } from '../../../src/core/recovery/recoveryTypes';

const launch: LaunchRequest = {
  boxName: 'trainer',
  region: 'us-east-1',
  pools: [{ instanceType: 'g5.xlarge' }, { instanceType: 'g4dn.xlarge' }],
  imageId: 'ami-1',
  maxPricePerHour: 2,
  allocationStrategy: 'price-capacity-optimized',
  onDemandFallback: false,
  volumeGb: 50,
  sshCidr: '203.0.113.7/32',
  owner: 'me',
  keyDirectory: '/keys',
};

function record(): LineageRecord {
  return { lineage: 'lin-1', boxName: 'trainer', region: 'us-east-1', launch, checkpointDir: '~/ckpt', workspaceDir: '~/workspace', session: { command: 'python train.py --resume' }, currentInstanceId: 'i-old', instanceIds: ['i-old'] };
}

/** Ports that record what the coordinator asked for; each behaviour can be overridden per test. */
function fakePorts(overrides: Partial<RecoveryPorts> = {}) {
  const calls = { launches: [] as LaunchRequest[], restored: [] as Array<CheckpointRef | undefined>, resumed: [] as string[], released: [] as string[] };
  let launched = 0;
  const ports: RecoveryPorts = {
    confirmNotice: async () => ({ confirmed: true, evidence: 'spot request sir-1 is marked-for-termination' }),
    claim: async () => true,
    zones: async () => ['us-east-1a', 'us-east-1b'],
    launchReplacement: async (request) => {
      calls.launches.push(request);
      launched++;
      return { instanceId: `i-new${launched}`, instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1b', lifecycle: 'spot', region: 'us-east-1' } as LaunchedBox;
    },
    waitUntilRunning: async () => undefined,
    emergencyCheckpoint: async () => ({ seq: '000004', step: 420, createdAt: 1 }),
    newestCheckpoint: async () => ({ seq: '000003', step: 300, createdAt: 0 }),
    restore: async (_record, _id, checkpoint) => void calls.restored.push(checkpoint),
    resume: async (_record, instanceId) => (calls.resumed.push(instanceId), { resumedStep: 420 }),
    releaseOld: async (_record, instanceId) => void calls.released.push(instanceId),
    ...overrides,
  };
  return { ports, calls };
}

describe('RecoveryCoordinator', () => {
  let directory: string;
  let store: LineageStore;
  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-recovery-'));
    store = new LineageStore(directory);
    await store.put(record());
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('on a notice: replacement in another pool, emergency checkpoint restored, session resumed, 0 steps lost', async () => {
    const { ports, calls } = fakePorts();
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger });
    const result = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', stepReached: 420 });
    assert.equal(result?.currentInstanceId, 'i-new1');
    assert.deepEqual(result?.instanceIds, ['i-old', 'i-new1']);
    const run = result.recovery!;
    assert.equal(run.phase, 'resumed');
    assert.equal(run.checkpointSeq, '000004');
    assert.equal(stepsLost(run), 0);
    for (const milestone of ['notice', 'checkpointCommitted', 'replacementLaunched', 'replacementRunning', 'restored', 'resumed'] as const) {
      assert.ok(run.timeline[milestone] !== undefined, `timeline has ${milestone}`);
    }
    assert.ok(
      calls.launches[0].pools.every((pool) => !(pool.instanceType === 'g5.xlarge' && pool.availabilityZone === 'us-east-1a')),
      'the interrupted pool is left out',
    );
    assert.equal(calls.launches[0].pools.length, 3);
    assert.deepEqual(calls.restored.map((checkpoint) => checkpoint?.seq), ['000004']);
    assert.deepEqual(calls.released, ['i-old']);
    assert.equal((await store.get('lin-1'))?.recoveries?.length, 1, 'the run is kept in the history');
  });

  it('without a notice: resumes from the newest complete checkpoint in S3', async () => {
    let waitedForAgent = false;
    const { ports, calls } = fakePorts({ emergencyCheckpoint: async () => ((waitedForAgent = true), undefined) });
    const result = await new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger }).recover('lost', { instanceId: 'i-old', instanceType: 'g5.xlarge', stepReached: 350 });
    assert.equal(waitedForAgent, false, 'a box gone without notice has no agent to wait for');
    assert.deepEqual(calls.restored.map((checkpoint) => checkpoint?.seq), ['000003']);
    assert.equal(result?.recovery?.checkpointStep, 300);
  });

  it('a fleet\'s replacement found after the fact: the box\'s own times and checkpoint, the predecessor\'s notice, and the run marked unwatched', async () => {
    const noticeTime = Date.now() - 600_000;
    const { ports } = fakePorts({
      launchReplacement: async () => ({ instanceId: 'i-fleet2', instanceType: 'g4dn.xlarge', lifecycle: 'spot', launchedAt: noticeTime + 121_000 }),
      newestCheckpoint: async () => ({ seq: '000005', step: 512, createdAt: noticeTime + 3_000 }),
      restore: async () => ({ at: noticeTime + 123_000, seq: '000005', step: 512 }),
      resume: async () => ({ resumedStep: 512, at: noticeTime + 123_500, notice: { time: noticeTime, actionTime: noticeTime + 120_000, instanceId: 'i-old' } }),
    });
    const result = await new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger }).recover('lost', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    const run = result!.recovery!;
    assert.equal(run.phase, 'resumed');
    assert.equal(run.trigger, 'notice', 'the handoff says the box had a notice');
    assert.equal(run.unwatched, true);
    assert.deepEqual(run.timeline, {
      notice: noticeTime,
      actionTime: noticeTime + 120_000,
      checkpointCommitted: noticeTime + 3_000,
      replacementLaunched: noticeTime + 121_000,
      replacementRunning: noticeTime + 121_000,
      restored: noticeTime + 123_000,
      resumed: noticeTime + 123_500,
    });
    assert.equal(run.checkpointSeq, '000005');
    assert.equal(run.resumedStep, 512);
  });

  it('a box that restored itself before the window saw it running is shown running by then, not later', async () => {
    const launchedAt = Date.now() - 20_000;
    const { ports } = fakePorts({
      launchReplacement: async () => ({ instanceId: 'i-fleet2', instanceType: 'g4dn.xlarge', lifecycle: 'spot', launchedAt }),
      restore: async () => ({ at: launchedAt + 2_000, seq: '000003', step: 300 }),
      resume: async () => ({ resumedStep: 300, at: launchedAt + 2_500 }),
    });
    const result = await new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger }).recover('lost', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    const timeline = result!.recovery!.timeline;
    assert.equal(timeline.replacementRunning, launchedAt + 2_000);
    assert.ok(timeline.replacementLaunched! <= timeline.replacementRunning && timeline.replacementRunning <= timeline.restored! && timeline.restored! <= timeline.resumed!);
  });

  it('starts nothing when another window holds the cloud claim', async () => {
    const { ports, calls } = fakePorts({ claim: async () => false });
    await new RecoveryCoordinator(store, ports, { windowId: 'w2', logger: silentLogger }).recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.equal(calls.launches.length, 0);
    assert.equal((await store.get('lin-1'))?.recovery, undefined);
  });

  it('two windows noticing at once launch one replacement', async () => {
    let claimedBy: string | undefined;
    const claim = async (_record: LineageRecord, runId: string): Promise<boolean> => {
      claimedBy ??= runId;
      return claimedBy === runId;
    };
    const first = fakePorts({ claim });
    const second = fakePorts({ claim });
    await Promise.all([
      new RecoveryCoordinator(store, first.ports, { windowId: 'w1', logger: silentLogger }).recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' }),
      new RecoveryCoordinator(store, second.ports, { windowId: 'w2', logger: silentLogger }).recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' }),
    ]);
    assert.equal(first.calls.launches.length + second.calls.launches.length, 1);
  });

  it('a window reloaded mid-recovery is continued by the next one without a second launch', async () => {
    let now = 1_000_000;
    const hung = fakePorts({ restore: () => new Promise<void>(() => undefined) });
    const lost = new RecoveryCoordinator(store, hung.ports, { windowId: 'before-reload', logger: silentLogger, now: () => now, heartbeatMs: 3_600_000 });
    void lost.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    for (let attempt = 0; attempt < 100 && (await store.get('lin-1'))?.recovery?.phase !== 'restoring'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal((await store.get('lin-1'))?.recovery?.phase, 'restoring');

    const after = fakePorts();
    // The lease is decided once the next window has read the record, and a takeover writes it at once
    // (store.update): watched through the store this window is given, then every pending step drained.
    let updates = 0;
    let recordRead: () => void = () => undefined;
    const read = new Promise<void>((resolve) => (recordRead = resolve));
    const watched = new (class extends LineageStore {
      override async get(lineage: string): Promise<LineageRecord | undefined> {
        const found = await super.get(lineage);
        recordRead();
        return found;
      }
      override update(lineage: string, change: (record: LineageRecord) => LineageRecord): Promise<LineageRecord | undefined> {
        updates++;
        return super.update(lineage, change);
      }
    })(directory);
    const next = new RecoveryCoordinator(watched, after.ports, { windowId: 'after-reload', logger: silentLogger, now: () => now });
    await next.continueUnfinished();
    await read;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(updates, 0, 'a fresh lease is respected: the run is not taken over');
    assert.equal(after.calls.restored.length, 0, 'a fresh lease is respected');

    now += 60_000;
    await next.continueUnfinished();
    for (let attempt = 0; attempt < 100 && (await store.get('lin-1'))?.recovery?.phase !== 'resumed'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const finished = await store.get('lin-1');
    assert.equal(finished?.recovery?.phase, 'resumed');
    assert.equal(finished?.currentInstanceId, 'i-new1');
    assert.equal(after.calls.launches.length, 0, 'the replacement launched before the reload is reused');
    assert.deepEqual(after.calls.resumed, ['i-new1']);
    lost.dispose();
  });

  it('records a failure with its reason and does not retry the same interruption by itself', async () => {
    const { ports, calls } = fakePorts({ launchReplacement: async () => Promise.reject(new Error('No capacity for trainer in us-east-1')) });
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger });
    const result = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.equal(result?.recovery?.phase, 'failed');
    assert.match(result?.recovery?.error ?? '', /No capacity/);
    await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.equal(calls.launches.length, 0);
    assert.deepEqual(calls.released, [], 'without a replacement the old launch stays: a retry from the timeline replays it');
  });

  it('a replacement interrupted during its restore becomes the box a new recovery starts from', async () => {
    const interrupted = fakePorts({ restore: async () => Promise.reject(new Error('Connection lost: the replacement got its own notice')) });
    const first = await new RecoveryCoordinator(store, interrupted.ports, { windowId: 'w1', logger: silentLogger }).recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.equal(first?.recovery?.phase, 'failed');
    assert.equal(first?.currentInstanceId, 'i-new1', 'the running replacement carries the lineage now');
    assert.deepEqual(interrupted.calls.released, ['i-old'], 'the reclaimed box and its launch resources are released, not left for the sweep');

    const { ports, calls } = fakePorts();
    const second = await new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger }).recover('notice', { instanceId: 'i-new1', instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1b' });
    assert.equal(second?.recovery?.phase, 'resumed');
    assert.equal(second?.recovery?.interruptedInstanceId, 'i-new1');
    assert.equal(calls.launches.length, 1);
    assert.ok(calls.launches[0].pools.every((pool) => !(pool.instanceType === 'g4dn.xlarge' && pool.availabilityZone === 'us-east-1b')));
  });

  it('a second notice, on the replacement during its restore, is followed by a new run once the first ends', async () => {
    let restores = 0;
    const { ports, calls } = fakePorts({
      restore: async (_record, instanceId) => {
        restores++;
        if (instanceId === 'i-new1') {
          // The replacement's agent reports its own notice while the restore runs; then the box dies.
          await coordinator.recover('notice', { instanceId: 'i-new1', instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1b' });
          throw new Error('Connection lost: the replacement was reclaimed');
        }
      },
    });
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger });
    const first = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a' });
    assert.equal(first?.recovery?.phase, 'failed');
    assert.deepEqual(first?.recovery?.replacementInterrupted, { trigger: 'notice' });
    for (let attempt = 0; attempt < 200 && (await store.get('lin-1'))?.currentInstanceId !== 'i-new2'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const final = await store.get('lin-1');
    assert.equal(final?.currentInstanceId, 'i-new2');
    assert.equal(final?.recovery?.phase, 'resumed');
    assert.equal(final?.recovery?.interruptedInstanceId, 'i-new1');
    assert.equal(calls.launches.length, 2);
    assert.ok(calls.launches[1].pools.every((pool) => !(pool.instanceType === 'g4dn.xlarge' && pool.availabilityZone === 'us-east-1b')));
    assert.equal(restores, 2);
  });

  it('a notice on the replacement while the finished run still releases the old box starts a new run, not a join', async () => {
    let releasing: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (releasing = resolve));
    // The second notice is confirmed last before the coordinator looks at the runs in flight.
    let secondConfirmed: () => void = () => undefined;
    const confirmed = new Promise<void>((resolve) => (secondConfirmed = resolve));
    const { ports, calls } = fakePorts({
      releaseOld: (_record, instanceId) => (instanceId === 'i-old' ? released : Promise.resolve()),
      confirmNotice: async (_region, instanceId) => {
        if (instanceId === 'i-new1') {
          secondConfirmed();
        }
        return { confirmed: true, evidence: 'spot request sir-1 is marked-for-termination' };
      },
    });
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger });
    const first = coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a' });
    for (let attempt = 0; attempt < 200 && (await store.get('lin-1'))?.recovery?.phase !== 'resumed'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = coordinator.recover('notice', { instanceId: 'i-new1', instanceType: 'g4dn.xlarge', availabilityZone: 'us-east-1b' });
    // The second notice reaches the coordinator while the first run is still releasing: once it is
    // confirmed, nothing but in-memory steps stand between it and the run in flight; drain those.
    await confirmed;
    await new Promise((resolve) => setImmediate(resolve));
    releasing();
    await first;
    const final = await second;
    assert.equal(final?.recovery?.interruptedInstanceId, 'i-new1', 'the second notice got its own run');
    assert.equal(final?.recovery?.phase, 'resumed');
    assert.equal(final?.currentInstanceId, 'i-new2');
    assert.equal(calls.launches.length, 2);
  });

  it('hands the old box back with the notice\'s action time, without holding up the run, and stops waiting when disposed', async () => {
    const handedBack: Array<{ instanceId: string; reclaimAt?: number; signal?: AbortSignal }> = [];
    let settle: () => void = () => undefined;
    const { ports } = fakePorts({
      // A first-hour box is waited on until EC2 has reclaimed it: this release has not ended yet.
      releaseOld: (_record, instanceId, options) => (handedBack.push({ instanceId, ...options }), new Promise<void>((resolve) => (settle = resolve))),
    });
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger });
    const result = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', noticeTime: 1_000, actionTime: 121_000 });
    assert.equal(result?.recovery?.phase, 'resumed', 'the run ended while the old box is still being handed back');
    assert.equal(handedBack.length, 1);
    assert.equal(handedBack[0].instanceId, 'i-old');
    assert.equal(handedBack[0].reclaimAt, 121_000, 'EC2 reclaims it at the action time');
    coordinator.dispose();
    assert.equal(handedBack[0].signal?.aborted, true, 'a closing window stops waiting (the sweep removes what is left)');
    settle();
    await coordinator.releasesSettled();
  });

  it('a box lost without notice is handed back with no action time to wait for', async () => {
    const handedBack: Array<number | undefined> = [];
    const { ports } = fakePorts({ releaseOld: async (_record, _instanceId, options) => void handedBack.push(options?.reclaimAt) });
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger });
    await coordinator.recover('lost', { instanceId: 'i-old', instanceType: 'g5.xlarge', actionTime: 121_000 });
    await coordinator.releasesSettled();
    assert.deepEqual(handedBack, [undefined]);
  });

  it('does nothing on a notice EC2 does not confirm (a forged journal line): no claim, no launch, no release, a warning', async () => {
    const warnings: string[] = [];
    const asked: string[] = [];
    let claimed = false;
    const { ports, calls } = fakePorts({
      confirmNotice: async (_region, instanceId) => (asked.push(instanceId), { confirmed: false, reason: 'not-marked', detail: 'spot request sir-1 is fulfilled and i-old is running' }),
      claim: async () => (claimed = true),
    });
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const result = await new RecoveryCoordinator(store, ports, { windowId: 'w1', logger }).recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.deepEqual(asked, ['i-old']);
    assert.equal(claimed, false, 'not even the claim tag is written');
    assert.deepEqual(calls.launches, []);
    assert.deepEqual(calls.released, []);
    assert.equal(result?.recovery, undefined);
    assert.equal((await store.get('lin-1'))?.recovery, undefined, 'nothing recorded');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /the box's journal reported a spot notice that EC2 does not confirm; ignored/);
  });

  it('a forged notice on a replacement being restored is not recorded as its interruption', async () => {
    let release: () => void = () => undefined;
    const restoring = new Promise<void>((resolve) => (release = resolve));
    let reachedRestore: () => void = () => undefined;
    const atRestore = new Promise<void>((resolve) => (reachedRestore = resolve));
    const { ports } = fakePorts({
      confirmNotice: async (_region, instanceId) => (instanceId === 'i-old' ? { confirmed: true, evidence: 'marked' } : { confirmed: false, reason: 'not-marked', detail: 'fulfilled' }),
      restore: async () => (reachedRestore(), restoring),
    });
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger });
    const first = coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    await atRestore;
    await coordinator.recover('notice', { instanceId: 'i-new1', instanceType: 'g4dn.xlarge' });
    assert.equal((await store.get('lin-1'))?.recovery?.replacementInterrupted, undefined);
    release();
    // Without the mark, no follow-up run is queued once this one ends.
    assert.equal((await first)?.recovery?.phase, 'resumed');
    await coordinator.releasesSettled();
  });

  it('a box lost without notice needs no confirmation: EC2 itself reported it gone', async () => {
    const { ports, calls } = fakePorts({ confirmNotice: async () => assert.fail('a lost box is not a journal claim') });
    const result = await new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger }).recover('lost', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.equal(result?.recovery?.phase, 'resumed');
    assert.equal(calls.launches.length, 1);
  });

  it('ignores a box the user ended on purpose', async () => {
    await store.update('lin-1', (current) => ({ ...current, ended: true }));
    const { ports, calls } = fakePorts();
    await new RecoveryCoordinator(store, ports, { windowId: 'w1', logger: silentLogger }).recover('lost', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.equal(calls.launches.length, 0);
  });
});

describe('replacementPools', () => {
  it('spreads the types over every zone except the interrupted pool', () => {
    const pools = replacementPools([{ instanceType: 'a' }, { instanceType: 'b' }], ['z1', 'z2'], { instanceType: 'a', availabilityZone: 'z1' });
    assert.deepEqual(pools, [
      { instanceType: 'a', availabilityZone: 'z2' },
      { instanceType: 'b', availabilityZone: 'z1' },
      { instanceType: 'b', availabilityZone: 'z2' },
    ]);
  });

  it('keeps the only pool when there is nowhere else to go', () => {
    assert.deepEqual(replacementPools([{ instanceType: 'a', availabilityZone: 'z1' }], ['z1'], { instanceType: 'a', availabilityZone: 'z1' }), [{ instanceType: 'a', availabilityZone: 'z1' }]);
  });
});
