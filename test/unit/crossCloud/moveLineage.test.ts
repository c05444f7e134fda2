import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { moveLineage, type CrossCloudLanding, type MovePorts } from '../../../src/core/crossCloud/moveLineage';
import { SpotboxError } from '../../../src/core/errors';
import { BoxKeptError } from '../../../src/core/profileLaunch/boxKeptError';
import { cheaperMove, startedMove, type CrossCloudMove, type LandedBox, type MoveOptions, type PriceComparison, type PriceMoveVerdict } from '../../../src/core/recovery/crossCloudTypes';
import type { LaunchRequest } from '../../../src/core/launch/launchTypes';
import { NoSpotCapacityError } from '../../../src/core/launch/noSpotCapacity';
import { silentLogger } from '../../../src/core/logging/logger';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import type { SpotboxProfile } from '../../../src/core/profile/profileTypes';
import type { BootRestoreOutcome } from '../../../src/core/recovery/bootRestoreJournal';
import { LineageStore } from '../../../src/core/recovery/lineageStore';
import { RecoveryCoordinator } from '../../../src/core/recovery/recoveryCoordinator';
import type { RecoveryPorts } from '../../../src/core/recovery/recoveryCoordinatorPorts';
import type { CheckpointRef, LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import { moveRows, moveSummary, phaseMessage, resumedMessage } from '../../../src/core/recovery/timelineText';
import { MemoryStore, writeCheckpoint } from './memoryStores';

const profile = parseProfile(
  JSON.stringify({
    name: 'trainer',
    regions: ['us-east-1'],
    instanceTypes: ['g5.xlarge'],
    maxPrice: 2,
    checkpoint: { bucket: 'ckpts', prefix: 'runs', directory: '~/ckpt', noticeSignal: 'SIGTERM', instanceProfile: 'SpotboxCheckpoints' },
    session: { command: 'python3 train.py' },
    otherClouds: [{ cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], bucket: 'gcs-ckpts' }],
  }),
  'profile.json',
).profile!;

const record: LineageRecord = {
  lineage: 'trainer-1a2b3c4d',
  boxName: 'trainer',
  region: 'us-east-1',
  launch: { boxName: 'trainer', region: 'us-east-1', pools: [{ instanceType: 'g5.xlarge' }] } as unknown as LaunchRequest,
  checkpointDir: '~/ckpt',
  workspaceDir: '~/workspace',
  checkpoint: { bucket: 'ckpts', prefix: 'runs' },
  session: { command: 'python3 train.py' },
  fleetId: 'fleet-1',
  currentInstanceId: 'i-old',
  instanceIds: ['i-old'],
  crossCloud: { profile },
};
const landedBox: LandedBox = { cloud: 'gcp', region: 'us-central1', zone: 'us-central1-a', instance: 'trainer-x1y2', machineType: 'g2-standard-4' };
const capacity = new NoSpotCapacityError('us-east-1', ['g5.xlarge us-east-1a: InsufficientInstanceCapacity no capacity']);

/** A landing on a fake other cloud that records what it was asked, and stores written there. */
function fakeWorld(boot: BootRestoreOutcome = { phase: 'resumed', seq: 7, step: 1234, restoredAt: 5_000, resumedAt: 6_000 }) {
  const source = new MemoryStore('s3://ckpts');
  const sink = new MemoryStore('gs://gcs-ckpts');
  writeCheckpoint(source, { prefix: 'runs', lineage: record.lineage, seq: 7, step: 1234, files: { 'model.pt': Buffer.alloc(3_200_000, 1) }, handoff: true });
  const calls: string[] = [];
  const launchedFrom: SpotboxProfile[] = [];
  const landing: CrossCloudLanding = {
    cloud: 'gcp',
    sink: (target) => (calls.push(`sink ${target.bucket}`), sink),
    launch: async (_record, there) => (calls.push('launch'), launchedFrom.push(there), landedBox),
    waitResumed: async () => (calls.push('wait'), boot),
  };
  const ports: MovePorts = { source: () => source, landings: [landing], endSource: async (_record, id) => void calls.push(`end ${id}`) };
  return { source, sink, calls, launchedFrom, ports };
}

describe('moveLineage: a session to another cloud', () => {
  it('copies the checkpoint to that cloud\'s bucket, launches there from the profile in its words, waits for the resume, then ends the lineage here', async () => {
    const world = fakeWorld();
    const saved: CrossCloudMove[] = [];
    const { move, boot } = await moveLineage(world.ports, record, startedMove(record, 'i-old', capacity), { seq: '7', step: 1234, createdAt: 1 }, { signal: new AbortController().signal, onMove: async (next) => void saved.push(next) });
    assert.deepEqual(world.calls, ['sink gcs-ckpts', 'launch', 'wait', 'end i-old']);
    assert.equal(world.sink.writes.at(-1), 'runs/trainer-1a2b3c4d/000007/manifest.json');
    assert.deepEqual(move.to, landedBox);
    assert.equal(move.copy?.seq, 7);
    assert.equal(move.copy?.step, 1234);
    assert.ok(Math.abs(move.copy.egressUsd - (move.copy.bytes / 1e9) * 0.09) < 1e-12);
    assert.ok(move.reason === 'no-capacity');
    assert.deepEqual(move.capacityErrors, capacity.lines);
    assert.equal(boot.step, 1234);
    assert.equal(saved.length, 2, 'the copy and the launch are each saved before the next step');
    const there = world.launchedFrom[0];
    assert.equal(there.cloud, 'gcp');
    assert.deepEqual(there.regions, ['us-central1']);
    assert.deepEqual(there.checkpoint, { bucket: 'gcs-ckpts', prefix: 'runs', directory: '~/ckpt', noticeSignal: 'SIGTERM', instanceProfile: undefined });
    assert.equal(there.otherClouds, undefined);
    assert.equal(there.session?.command, 'python3 train.py');
  });

  it('a reloaded window goes on with the same move: no second copy, no second box', async () => {
    const world = fakeWorld();
    const moved = { ...startedMove(record, 'i-old', capacity), copy: { seq: 7, objects: 1, bytes: 1, seconds: 1, mbPerSecond: 0, egressUsd: 0 }, to: landedBox };
    await moveLineage(world.ports, record, moved, { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined });
    assert.deepEqual(world.calls, ['wait', 'end i-old']);
    assert.equal(world.sink.writes.length, 0);
  });

  it('a box there that did not resume fails the move and leaves the lineage here as it is', async () => {
    const world = fakeWorld({ phase: 'failed', error: 'restore of checkpoint 7 failed' });
    await assert.rejects(
      moveLineage(world.ports, record, startedMove(record, 'i-old', capacity), { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined }),
      /did not resume the session: restore of checkpoint 7 failed/,
    );
    assert.ok(!world.calls.some((call) => call.startsWith('end')));
  });

  it('lands on the first otherClouds entry, in the profile\'s order, whose cloud has a landing here', async () => {
    const azureEntry = { cloud: 'azure' as const, regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], bucket: 'ckptaccount/runs', image: 'microsoft-dsvm:ubuntu-hpc:2204:latest', sshUser: 'ubuntu' };
    const both = { ...record, crossCloud: { profile: { ...profile, otherClouds: [azureEntry, ...profile.otherClouds!] } } };
    const landedOn: string[] = [];
    const landingOn = (world: ReturnType<typeof fakeWorld>, cloud: 'gcp' | 'azure'): CrossCloudLanding => ({
      cloud,
      sink: (target) => (landedOn.push(`${cloud} sink ${target.bucket}`), world.sink),
      launch: async (_record, there) => (landedOn.push(`${cloud} launch ${there.cloud} ${there.checkpoint?.bucket}`), { ...landedBox, cloud }),
      waitResumed: async () => ({ phase: 'resumed', seq: 7, step: 1234 }),
    });
    const move = async (clouds: Array<'gcp' | 'azure'>): Promise<void> => {
      const world = fakeWorld();
      landedOn.length = 0;
      await moveLineage({ ...world.ports, landings: clouds.map((cloud) => landingOn(world, cloud)) }, both, startedMove(both, 'i-old', capacity), { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined });
    };
    await move(['gcp', 'azure']);
    assert.deepEqual(landedOn, ['azure sink ckptaccount/runs', 'azure launch azure ckptaccount/runs'], 'Azure is named first');
    await move(['gcp']);
    assert.deepEqual(landedOn, ['gcp sink gcs-ckpts', 'gcp launch gcp gcs-ckpts'], 'no Azure landing here: the next entry');
  });

  describe('without capacity, down the otherClouds list', () => {
    const azureEntry = { cloud: 'azure' as const, regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], bucket: 'ckptaccount/runs', image: 'microsoft-dsvm:ubuntu-hpc:2204:latest', sshUser: 'ubuntu' };
    const gcpThenAzure: LineageRecord = { ...record, crossCloud: { profile: { ...profile, otherClouds: [...profile.otherClouds!, azureEntry] } } };
    const landedAzure: LandedBox = { cloud: 'azure', region: 'eastus', zone: 'eastus', instance: 'trainer-vmss_0', machineType: 'Standard_NC4as_T4_v3' };

    /** Google Cloud's landing fails as `gcpFails` says; Azure's lands. */
    function twoClouds(gcpFails: { copy?: Error; launch?: Error; resumed?: BootRestoreOutcome }) {
      const world = fakeWorld();
      const azureSink = new MemoryStore('https://ckptaccount.blob.core.windows.net/runs');
      const calls: string[] = [];
      const gcp: CrossCloudLanding = {
        cloud: 'gcp',
        sink: () => ({ url: 'gs://gcs-ckpts', put: async (key, body, signal) => (gcpFails.copy ? Promise.reject(gcpFails.copy) : world.sink.put(key, body, signal)) }),
        launch: async () => (calls.push('gcp launch'), gcpFails.launch ? Promise.reject(gcpFails.launch) : landedBox),
        waitResumed: async () => (calls.push('gcp wait'), gcpFails.resumed ?? { phase: 'resumed', seq: 7, step: 1234 }),
      };
      const azure: CrossCloudLanding = {
        cloud: 'azure',
        sink: () => azureSink,
        launch: async () => (calls.push('azure launch'), landedAzure),
        waitResumed: async () => (calls.push('azure wait'), { phase: 'resumed', seq: 7, step: 1234 }),
      };
      const ports: MovePorts = { ...world.ports, landings: [gcp, azure], endSource: async (_record, id) => void calls.push(`end ${id}`) };
      return { world, azureSink, calls, ports };
    }

    it('a cloud that fails before a box exists there (not signed in, no capacity) is recorded as skipped, and the next one lands the session', async () => {
      for (const [what, fails] of [
        ['no project chosen', { launch: new SpotboxError('No Google Cloud project is chosen.', 'Run Spotbox: Choose GCP Project.') }],
        ['no capacity there either', { launch: new Error('ZONE_RESOURCE_POOL_EXHAUSTED in us-central1-a') }],
        ['the bucket refuses the copy', { copy: new Error('403 Forbidden: gs://gcs-ckpts') }],
      ] as const) {
        const rig = twoClouds(fails);
        const saved: CrossCloudMove[] = [];
        const skippedSeen: string[] = [];
        const { move } = await moveLineage(rig.ports, gcpThenAzure, startedMove(gcpThenAzure, 'i-old', capacity), { seq: '7', step: 1234, createdAt: 1 }, { signal: new AbortController().signal, onMove: async (next) => void saved.push(next), onSkipped: (skipped) => void skippedSeen.push(skipped.cloud) });
        assert.deepEqual(move.to, landedAzure, what);
        assert.deepEqual(move.skipped?.map((skipped) => skipped.cloud), ['gcp'], what);
        assert.match(move.skipped[0].reason, /Google Cloud project|ZONE_RESOURCE_POOL_EXHAUSTED|403 Forbidden/, what);
        assert.deepEqual(skippedSeen, ['gcp'], what);
        assert.equal(move.copy?.toCloud, 'azure', `${what}: the copy recorded is Azure's`);
        assert.equal(rig.azureSink.writes.at(-1), 'runs/trainer-1a2b3c4d/000007/manifest.json', what);
        assert.deepEqual(rig.calls.filter((call) => call.startsWith('azure') || call.startsWith('end')), ['azure launch', 'azure wait', 'end i-old'], what);
        assert.ok(saved.some((next) => next.skipped?.length === 1 && next.copy === undefined && next.to === undefined), `${what}: the skip is saved before Azure is tried`);
        const run = { id: 'r', trigger: 'notice' as const, owner: 'w', heartbeatAt: 0, interruptedInstanceId: 'i-old', interruptedPool: { instanceType: 'g5.xlarge' }, phase: 'resumed' as const, timeline: {}, move, resumedStep: 1234 };
        assert.equal(moveRows(run)[1].label, 'Tried Google Cloud first', what);
      }
    });

    it('once a box exists on a cloud the move stays with it: a box that did not resume there is not followed by a second one elsewhere', async () => {
      const rig = twoClouds({ resumed: { phase: 'failed', error: 'restore of checkpoint 7 failed' } });
      await assert.rejects(
        moveLineage(rig.ports, gcpThenAzure, startedMove(gcpThenAzure, 'i-old', capacity), { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined }),
        /did not resume the session: restore of checkpoint 7 failed/,
      );
      assert.deepEqual(rig.calls, ['gcp launch', 'gcp wait']);
      const kept = twoClouds({ launch: new BoxKeptError('trainer (trainer-x1y2) is running, but preparing it failed: ssh refused', 'Attach to it.', { instanceId: 'trainer-x1y2' }, undefined) });
      await assert.rejects(moveLineage(kept.ports, gcpThenAzure, startedMove(gcpThenAzure, 'i-old', capacity), { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined }), BoxKeptError);
      assert.deepEqual(kept.calls, ['gcp launch'], 'no Azure box beside the kept Google Cloud one');
    });

    it('when every cloud fails, one error names each cloud and its cause', async () => {
      const rig = twoClouds({ launch: new Error('ZONE_RESOURCE_POOL_EXHAUSTED in us-central1-a') });
      const azureOut: MovePorts = { ...rig.ports, landings: [rig.ports.landings[0], { ...rig.ports.landings[1], launch: async () => Promise.reject(new Error('AllocationFailed in eastus')) }] };
      await assert.rejects(
        moveLineage(azureOut, gcpThenAzure, startedMove(gcpThenAzure, 'i-old', capacity), { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined }),
        (error: SpotboxError) => /could not move to another cloud: Google Cloud: ZONE_RESOURCE_POOL_EXHAUSTED in us-central1-a; Azure: AllocationFailed in eastus/.test(error.message) && /sign in/.test(error.nextStep ?? ''),
      );
      assert.ok(!rig.calls.some((call) => call.startsWith('end')), 'the lineage here is not ended');
    });

    it('a reloaded window goes on with the cloud the move had reached, not the first in the list', async () => {
      const rig = twoClouds({});
      const reached = { ...startedMove(gcpThenAzure, 'i-old', capacity), skipped: [{ cloud: 'gcp' as const, reason: 'no project' }], copy: { seq: 7, objects: 1, bytes: 1, seconds: 1, mbPerSecond: 0, egressUsd: 0, toCloud: 'azure' as const } };
      const { move } = await moveLineage(rig.ports, gcpThenAzure, reached, { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined });
      assert.deepEqual(rig.calls, ['azure launch', 'azure wait', 'end i-old']);
      assert.equal(rig.azureSink.writes.length, 0, 'not copied again');
      assert.deepEqual(move.skipped, reached.skipped);
    });

    it('a move for price tries only the cloud the comparison chose', async () => {
      const rig = twoClouds({ launch: new Error('ZONE_RESOURCE_POOL_EXHAUSTED') });
      const comparison = { to: { cloud: 'gcp', region: 'us-central1', instanceType: 'g2-standard-4' }, percentCheaper: 40 } as unknown as PriceComparison;
      await assert.rejects(moveLineage(rig.ports, gcpThenAzure, cheaperMove(gcpThenAzure, 'i-old', comparison), { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined }), /ZONE_RESOURCE_POOL_EXHAUSTED/);
      assert.deepEqual(rig.calls, ['gcp launch'], 'AWS takes it back, not Azure');
    });
  });

  it('says what to do when the lineage has nowhere to move', async () => {
    const world = fakeWorld();
    await assert.rejects(
      moveLineage({ ...world.ports, landings: [] }, record, startedMove(record, 'i-old', capacity), { seq: '7', createdAt: 1 }, { signal: new AbortController().signal, onMove: async () => undefined }),
      (error: Error & { nextStep?: string }) => /has nowhere to move: g5.xlarge us-east-1a: InsufficientInstanceCapacity/.test(error.message),
    );
  });
});

describe('RecoveryCoordinator: EC2 out of Spot capacity at a notice', () => {
  let directory: string;
  let store: LineageStore;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-move-'));
    store = new LineageStore(directory);
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  function ports(world: ReturnType<typeof fakeWorld>, overrides: Partial<RecoveryPorts> = {}): RecoveryPorts {
    const fail = async (): Promise<never> => assert.fail('not on this path');
    return {
      confirmNotice: async () => ({ confirmed: true, evidence: 'marked-for-termination' }),
      claim: async () => true,
      zones: async () => ['us-east-1a'],
      launchReplacement: async () => {
        throw capacity;
      },
      waitUntilRunning: fail,
      emergencyCheckpoint: async () => ({ seq: '7', step: 1234, createdAt: 1 }),
      newestCheckpoint: async () => undefined,
      restore: fail,
      resume: fail,
      releaseOld: async () => undefined,
      moveToOtherCloud: (lineage, move, checkpoint, options) => moveLineage(world.ports, lineage, move, checkpoint, options),
      ...overrides,
    };
  }

  it('moves a lineage whose profile names another cloud, records it, ends the lineage here, and says it in plain words', async () => {
    await store.put(record);
    const world = fakeWorld();
    const coordinator = new RecoveryCoordinator(store, ports(world), { windowId: 'w', logger: silentLogger });
    const done = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', stepReached: 1234 });
    const run = done!.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    assert.ok(done!.ended);
    assert.deepEqual(done!.movedTo, landedBox);
    assert.equal(run.checkpointSeq, '7');
    assert.equal(run.resumedStep, 1234);
    assert.equal(run.timeline.resumed, 6_000);
    assert.deepEqual(done!.recoveries?.at(-1), run);
    const copy = run.move!.copy!;
    assert.equal(
      moveSummary(run),
      `Moved to Google Cloud (us-central1-a, g2-standard-4): AWS had no Spot capacity in us-east-1. Copied 3.2 MB in ${copy.seconds.toFixed(1)} s (${copy.mbPerSecond.toFixed(1)} MB/s, egress ≈ $0.0003). Resumed at step 1234, 0 steps lost.`,
    );
    // The notification names the box it is back on, on Google Cloud (no EC2 replacement or pool to name).
    assert.match(resumedMessage('trainer', run), /^trainer is back on trainer-x1y2 \(Google Cloud, g2-standard-4 us-central1-a\): Moved to Google Cloud \(us-central1-a, g2-standard-4\)/);
    // The timeline's rows: each short enough for a QuickPick row to show whole.
    assert.deepEqual(moveRows(run), [
      { label: 'Moved to Google Cloud (us-central1-a, g2-standard-4)', detail: 'AWS had no Spot capacity in us-east-1' },
      { label: `Copied 3.2 MB in ${copy.seconds.toFixed(1)} s`, detail: `${copy.mbPerSecond.toFixed(1)} MB/s, egress ≈ $0.0003` },
      { label: 'Resumed at step 1234, 0 steps lost' },
    ]);
    assert.ok(moveRows(run).every((row) => row.label.length <= 60), 'short rows');
  });

  it('says where a move is while it runs', () => {
    const base = { id: 'r', trigger: 'notice' as const, owner: 'w', heartbeatAt: 0, interruptedInstanceId: 'i-old', interruptedPool: { instanceType: 'g5.xlarge' }, phase: 'moving' as const, timeline: {} };
    const move = startedMove(record, 'i-old', capacity);
    assert.equal(phaseMessage({ ...base, move }), 'AWS has no Spot capacity: copying the checkpoint to another cloud');
    assert.equal(phaseMessage({ ...base, move: { ...move, copy: { seq: 7, objects: 3, bytes: 12_500, seconds: 1, mbPerSecond: 0.0125, egressUsd: 0 } } }), 'checkpoint copied (12.5 kB); launching the box on the other cloud');
    assert.equal(phaseMessage({ ...base, move: { ...move, to: landedBox } }), 'trainer-x1y2 running on Google Cloud in us-central1-a; waiting for it to restore and resume');
  });

  it('a lineage that may not move fails with EC2\'s words, and nothing is copied or launched elsewhere', async () => {
    const { crossCloud: _unused, ...staying } = record;
    void _unused;
    await store.put(staying);
    const world = fakeWorld();
    const coordinator = new RecoveryCoordinator(store, ports(world), { windowId: 'w', logger: silentLogger });
    const done = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.equal(done!.recovery!.phase, 'failed');
    assert.match(done!.recovery!.error!, /no Spot capacity for the replacement in us-east-1: g5.xlarge us-east-1a: InsufficientInstanceCapacity/);
    assert.deepEqual(world.calls, []);
    assert.ok(!done!.ended);
  });
});

describe('RecoveryCoordinator: another cloud cheaper by the margin at a notice (moveAcrossClouds.cheaperByPercent)', () => {
  let directory: string;
  let store: LineageStore;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-price-move-'));
    store = new LineageStore(directory);
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  const pricedProfile: SpotboxProfile = { ...profile, otherClouds: [{ ...profile.otherClouds![0], regions: ['us-east4', 'us-central1'], instanceTypes: ['g2-standard-8', 'g2-standard-4'] }], moveAcrossClouds: { whenNoCapacity: true, cheaperByPercent: 20 } };
  const pricedRecord: LineageRecord = { ...record, crossCloud: { profile: pricedProfile } };
  const comparison: PriceComparison = {
    from: { cloud: 'aws', region: 'us-east-1', instanceType: 'g5.xlarge', usdPerHour: 0.43, source: 'live', asOf: 1_000, jobUsd: 10.33 },
    to: { cloud: 'gcp', region: 'us-central1', instanceType: 'g2-standard-4', usdPerHour: 0.28, source: 'live', asOf: 2_000, jobUsd: 6.79 },
    fromUsdPerHour: 0.43,
    toUsdPerHour: 0.28,
    jobHours: 24,
    checkpointBytes: 1_100_000,
    egressUsd: 0.000099,
    percentCheaper: 34.3,
    cheaperByPercent: 20,
  };

  /** The real ports' shape: the price check and the fleet's hold are recorded; launchReplacement is AWS's replacement. */
  function pricedPorts(world: ReturnType<typeof fakeWorld>, verdict: () => Promise<PriceMoveVerdict>, calls: string[]): RecoveryPorts {
    return {
      confirmNotice: async () => ({ confirmed: true, evidence: 'marked-for-termination' }),
      claim: async () => true,
      zones: async () => ['us-east-1a', 'us-east-1b'],
      launchReplacement: async () => (calls.push('aws replacement'), { instanceId: 'i-new', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1b', lifecycle: 'spot' }),
      waitUntilRunning: async () => undefined,
      emergencyCheckpoint: async () => ({ seq: '7', step: 1234, createdAt: 1 }),
      newestCheckpoint: async () => undefined,
      restore: async () => ({ at: 3_000, seq: '7', step: 1234 }),
      resume: async () => ({ resumedStep: 1234 }),
      releaseOld: async () => undefined,
      moveToOtherCloud: (lineage, move, checkpoint, options) => moveLineage(world.ports, lineage, move, checkpoint, options),
      checkPriceMove: async () => (calls.push('price check'), verdict()),
      holdReplacement: async (_record, held) => void calls.push(held ? 'hold fleet' : 'free fleet'),
    };
  }

  it('moves for price before any replacement here: the fleet held, the priced pool tried first, both figures on the record, in plain words', async () => {
    await store.put(pricedRecord);
    const world = fakeWorld();
    const calls: string[] = [];
    const coordinator = new RecoveryCoordinator(store, pricedPorts(world, async () => ({ move: true, comparison, reason: 'cheaper' }), calls), { windowId: 'w', logger: silentLogger });
    const done = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', stepReached: 1234 });
    const run = done!.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    assert.deepEqual(calls, ['price check', 'hold fleet'], 'no replacement on AWS');
    assert.deepEqual(world.calls, ['sink gcs-ckpts', 'launch', 'wait', 'end i-old']);
    assert.ok(done!.ended);
    const move = run.move!;
    assert.ok(move.reason === 'cheaper');
    assert.deepEqual(move.priceComparison, comparison);
    const there = world.launchedFrom[0];
    assert.deepEqual([there.regions, there.instanceTypes], [['us-central1', 'us-east4'], ['g2-standard-4', 'g2-standard-8']], 'the priced region and type first, the rest kept for capacity');
    const copy = move.copy!;
    assert.equal(
      moveSummary(run),
      `Moved to Google Cloud (us-central1-a, g2-standard-4): 34 % cheaper than AWS ($0.28/h vs $0.43/h, egress ≈ $0.0001). Copied 3.2 MB in ${copy.seconds.toFixed(1)} s (${copy.mbPerSecond.toFixed(1)} MB/s, egress ≈ $0.0003). Resumed at step 1234, 0 steps lost.`,
    );
    assert.deepEqual(moveRows(run)[0], { label: 'Moved to Google Cloud (us-central1-a, g2-standard-4)', detail: '34 % cheaper than AWS ($0.28/h vs $0.43/h, egress ≈ $0.0001)' });
    const base = { ...run, phase: 'moving' as const };
    assert.equal(phaseMessage({ ...base, move: cheaperMove(pricedRecord, 'i-old', comparison) }), 'Google Cloud is 34 % cheaper: copying the checkpoint there');
  });

  it('stays on AWS when the margin is not met, or the price check fails or hangs: the ordinary replacement, nothing held or copied', async () => {
    const verdicts: Array<[string, () => Promise<PriceMoveVerdict>]> = [
      ['margin not met', async () => ({ move: false, reason: '12.0 % cheaper, below the 20 % margin', comparison: { ...comparison, percentCheaper: 12 } })],
      ['price lookup failed', async () => Promise.reject(new Error('DescribeSpotPriceHistory: RequestLimitExceeded'))],
      ['price lookup hangs', () => new Promise<never>(() => undefined)],
    ];
    for (const [what, verdict] of verdicts) {
      await store.put(pricedRecord);
      const world = fakeWorld();
      const calls: string[] = [];
      const logged: string[] = [];
      const logger = { ...silentLogger, info: (message: string) => void logged.push(message), warn: (message: string) => void logged.push(message) };
      const coordinator = new RecoveryCoordinator(store, pricedPorts(world, verdict, calls), { windowId: 'w', logger, priceCheckMs: 200 });
      const done = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', stepReached: 1234 });
      assert.equal(done!.recovery!.phase, 'resumed', `${what}: ${done!.recovery!.error}`);
      assert.deepEqual(calls, ['price check', 'aws replacement'], what);
      assert.equal(done!.currentInstanceId, 'i-new');
      assert.equal(done!.recovery!.move, undefined);
      assert.deepEqual(world.calls, [], `${what}: nothing copied or launched elsewhere`);
      assert.ok(logged.some((line) => /staying on AWS: 12\.0 % cheaper|comparing prices across clouds failed \((DescribeSpotPriceHistory|no answer within 0\.2 s)/.test(line)), `${what}: ${logged.join(' | ')}`);
    }
  });

  it('a move for price that fails before anything runs on the other cloud gives the session back to AWS\'s replacement, the fleet freed again', async () => {
    await store.put(pricedRecord);
    const world = fakeWorld();
    const calls: string[] = [];
    const failing: MovePorts = { ...world.ports, landings: [{ ...world.ports.landings[0], launch: async () => Promise.reject(new Error('ZONE_RESOURCE_POOL_EXHAUSTED')) }] };
    const ports = { ...pricedPorts(world, async () => ({ move: true as const, comparison, reason: 'cheaper' }), calls), moveToOtherCloud: (lineage: LineageRecord, move: CrossCloudMove, checkpoint: CheckpointRef, options: MoveOptions) => moveLineage(failing, lineage, move, checkpoint, options) };
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w', logger: silentLogger });
    const done = await coordinator.recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', stepReached: 1234 });
    assert.equal(done!.recovery!.phase, 'resumed', done!.recovery!.error);
    assert.deepEqual(calls, ['price check', 'hold fleet', 'free fleet', 'aws replacement']);
    assert.equal(done!.currentInstanceId, 'i-new');
    assert.equal(done!.recovery!.move, undefined);
    assert.equal(done!.recovery!.priceMoveError, 'ZONE_RESOURCE_POOL_EXHAUSTED', 'recorded: a reload does not try it again');
    assert.ok(!done!.ended);
  });

  it('a reloaded window goes on with a move for price, and it can still give the session back to AWS until it lands', async () => {
    const started = cheaperMove(pricedRecord, 'i-old', comparison);
    await store.put({ ...pricedRecord, recovery: { id: 'r', trigger: 'notice', owner: 'gone', heartbeatAt: 0, interruptedInstanceId: 'i-old', interruptedPool: { instanceType: 'g5.xlarge' }, phase: 'moving', timeline: { notice: 1 }, move: started } });
    const world = fakeWorld();
    const calls: string[] = [];
    const failing: MovePorts = { ...world.ports, landings: [{ ...world.ports.landings[0], launch: async () => Promise.reject(new Error('ZONE_RESOURCE_POOL_EXHAUSTED')) }] };
    const ports = { ...pricedPorts(world, async () => assert.fail('not priced again'), calls), moveToOtherCloud: (lineage: LineageRecord, move: CrossCloudMove, checkpoint: CheckpointRef, options: MoveOptions) => moveLineage(failing, lineage, move, checkpoint, options) };
    const coordinator = new RecoveryCoordinator(store, ports, { windowId: 'w2', logger: silentLogger, leaseMs: 1 });
    await coordinator.continueUnfinished();
    const done = await eventuallyResumed(store, pricedRecord.lineage);
    assert.equal(done.recovery!.phase, 'resumed', done.recovery!.error);
    assert.deepEqual(calls, ['hold fleet', 'free fleet', 'aws replacement']);
    assert.equal(done.currentInstanceId, 'i-new');
  });

  it('a profile that moves only for price does not move when AWS has no capacity: EC2\'s words fail the run', async () => {
    const onlyPrice: LineageRecord = { ...record, crossCloud: { profile: { ...pricedProfile, moveAcrossClouds: { whenNoCapacity: false, cheaperByPercent: 20 } } } };
    await store.put(onlyPrice);
    const world = fakeWorld();
    const calls: string[] = [];
    const ports = { ...pricedPorts(world, async () => ({ move: false as const, reason: 'below the margin' }), calls), launchReplacement: async (): Promise<never> => Promise.reject(capacity) };
    const done = await new RecoveryCoordinator(store, ports, { windowId: 'w', logger: silentLogger }).recover('notice', { instanceId: 'i-old', instanceType: 'g5.xlarge' });
    assert.equal(done!.recovery!.phase, 'failed');
    assert.match(done!.recovery!.error!, /no Spot capacity/);
    assert.deepEqual(world.calls, []);
  });
});

async function eventuallyResumed(store: LineageStore, lineage: string): Promise<LineageRecord> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const record = await store.get(lineage);
    if (record?.recovery?.phase === 'resumed' || record?.recovery?.phase === 'failed') return record;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return assert.fail('the continued run did not finish');
}
