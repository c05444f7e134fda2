import * as assert from 'node:assert/strict';
import type { Box } from '../../../src/core/boxes/box';
import type { InterruptionKind } from '../../../src/core/dashboard/usageTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import type { AgentEvent } from '../../../src/core/recovery/agentEvents';
import type { BootRestoreOutcome } from '../../../src/core/recovery/bootRestoreJournal';
import { NoticeBoard } from '../../../src/core/recovery/noticeBoard';
import type { NoticeVerdict } from '../../../src/core/recovery/noticeConfirmation';
import type { InterruptionFacts } from '../../../src/core/recovery/recoveryCoordinatorPorts';
import { RecoveryHub, type RecoveryHubDeps } from '../../../src/core/recovery/recoveryHub';
import type { LineageRecord, RecoveryTrigger } from '../../../src/core/recovery/recoveryTypes';
import { CheckpointFitBoard } from '../../../src/core/throughput/checkpointFitBoard';
import { FakeClock } from '../billing/fakeClock';

const box = (state: Box['state'], instanceId = 'i-0abc'): Box => ({ cloud: 'aws', instanceId, name: 'llama', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot', state });
const event = (type: string, fields: Record<string, unknown> = {}, time = 1_000): AgentEvent => ({ type, time, fields });
const lineage = (overrides: Partial<LineageRecord> = {}): LineageRecord => ({ lineage: 'llama-1', currentInstanceId: 'i-0abc', instanceIds: ['i-0abc'], ...overrides }) as unknown as LineageRecord;
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function hub(options: { record?: LineageRecord; verdict?: NoticeVerdict; selfRestoreVerdict?: NoticeVerdict } = {}) {
  const recovered: Array<{ trigger: RecoveryTrigger; facts: InterruptionFacts }> = [];
  const usage: Array<[string, string, number]> = [];
  const ignored: string[] = [];
  const followed: string[][] = [];
  const selfRestored: Array<{ instanceId: string; facts: InterruptionFacts }> = [];
  const recalled: Array<{ instanceId: string; outcome: BootRestoreOutcome; bootStartedAt: number | undefined }> = [];
  const asked: string[] = [];
  const notices = new NoticeBoard();
  const checkpointFits = new CheckpointFitBoard();
  const deps: RecoveryHubDeps = {
    coordinator: { recover: async (trigger, facts) => (recovered.push({ trigger, facts }), undefined), noteStep: async () => undefined },
    lineages: { findByInstance: async (id) => (options.record?.instanceIds.includes(id) ? options.record : undefined), get: async (lineage) => (options.record?.lineage === lineage ? options.record : undefined), updateCheckpointUploads: async () => undefined },
    notices,
    checkpointFits,
    usage: {
      recordInterruption: (id: string, kind: InterruptionKind, time: number) => usage.push([id, kind, time]),
      recordEpoch: (id, epoch, time) => usage.push([id, `epoch ${epoch}`, time]),
    },
    noticeChecks: { confirm: async (_region, id) => (asked.push(`ec2 ${id}`), options.verdict ?? { confirmed: true, evidence: 'marked for termination' }) },
    selfRestore: {
      confirm: async (noticed, notice) => (asked.push(`${noticed.cloud} ${noticed.instanceId} ${notice.noticeTime}-${notice.actionTime ?? ''}`), options.selfRestoreVerdict ?? { confirmed: true, evidence: 'STOPPING' }),
      follow: async (noticed, facts) => (selfRestored.push({ instanceId: noticed.instanceId, facts }), undefined),
      recall: async (restored, outcome, bootStartedAt) => (recalled.push({ instanceId: restored.instanceId, outcome, bootStartedAt }), undefined),
    },
    clock: new FakeClock(5_000),
    logger: silentLogger,
    followJournals: (boxes) => followed.push(boxes.map((listed) => listed.instanceId)),
    announce: () => undefined,
    noticeIgnored: (noticed, detail) => ignored.push(`${noticed.instanceId}: ${detail}`),
    checkpointTooBig: () => undefined,
  };
  return { hub: new RecoveryHub(deps), recovered, usage, ignored, followed, notices, selfRestored, recalled, asked };
}

describe('RecoveryHub (journal events and the box list -> recovery, usage, notices)', () => {
  it('recovers a box of a lineage that vanished without a notice, from the last step its journal reported', async () => {
    const h = hub({ record: lineage() });
    h.hub.onBoxes([box('running')]);
    h.hub.onAgentEvent(box('running'), event('progress', { step: 41, epoch: 2 }, 900));
    h.hub.onBoxes([]);
    await settle();
    assert.deepEqual(h.recovered, [{ trigger: 'lost', facts: { instanceId: 'i-0abc', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a', stepReached: 41 } }]);
    assert.deepEqual(h.usage, [['i-0abc', 'epoch 2', 900], ['i-0abc', 'hard', 5_000]]);
    assert.deepEqual(h.followed, [['i-0abc'], []]);
  });

  it('follows a fleet\'s replacement that came while no window watched: recovers the lineage\'s old box as lost, once', async () => {
    const record = lineage({ fleetId: 'fleet-1', launch: { pools: [{ instanceType: 'g5.xlarge' }] } as unknown as LineageRecord['launch'] });
    const h = hub({ record });
    const replacement = { ...box('running', 'i-0new'), lineage: 'llama-1' };
    h.hub.onBoxes([replacement]);
    h.hub.onBoxes([replacement]);
    await settle();
    assert.deepEqual(h.recovered, [{ trigger: 'lost', facts: { instanceId: 'i-0abc', instanceType: 'g5.xlarge' } }]);
  });

  it('does not take a fleet box for a replacement while the lineage\'s own box still runs (it would end a healthy box)', async () => {
    const h = hub({ record: lineage({ fleetId: 'fleet-1' }) });
    h.hub.onBoxes([box('running'), { ...box('running', 'i-0extra'), lineage: 'llama-1' }]);
    await settle();
    assert.deepEqual(h.recovered, []);
  });

  it('adopts nothing for an editor lineage, an ended one, a known box or a run under way', async () => {
    const running = { id: 'r', trigger: 'notice', owner: 'w', heartbeatAt: 0, interruptedInstanceId: 'i-0abc', interruptedPool: { instanceType: 'g5.xlarge' }, phase: 'launching', timeline: {} } as const;
    for (const record of [lineage(), lineage({ fleetId: 'fleet-1', ended: true }), lineage({ fleetId: 'fleet-1', instanceIds: ['i-0abc', 'i-0new'] }), lineage({ fleetId: 'fleet-1', recovery: running })]) {
      const h = hub({ record });
      h.hub.onBoxes([{ ...box('running', 'i-0new'), lineage: 'llama-1' }]);
      await settle();
      assert.deepEqual(h.recovered, []);
    }
  });

  it('leaves alone a vanished box that no lineage holds, or whose lineage ended', async () => {
    for (const record of [undefined, lineage({ ended: true })]) {
      const h = hub(record ? { record } : {});
      h.hub.onBoxes([box('running')]);
      h.hub.onBoxes([box('terminated')]);
      await settle();
      assert.deepEqual(h.recovered, []);
    }
  });

  it('a confirmed notice recovers with the last step and counts as an interruption; a rebalance is only counted', async () => {
    const h = hub({ record: lineage() });
    h.hub.onAgentEvent(box('running'), event('checkpoint-committed', { step: 7 }));
    h.hub.onAgentEvent(box('running'), event('rebalance', {}, 1_500));
    h.hub.onAgentEvent(box('running'), event('notice', { actionTime: 200_000 }, 2_000));
    await settle();
    await settle();
    assert.equal(h.recovered.length, 1);
    assert.equal(h.recovered[0].trigger, 'notice');
    assert.equal(h.recovered[0].facts.stepReached, 7);
    assert.deepEqual(h.usage, [['i-0abc', 'rebalance', 1_500], ['i-0abc', 'notice', 2_000]]);
  });

  it('says a notice EC2 does not confirm once per box, however often the journal repeats it, and recovers nothing', async () => {
    const h = hub({ record: lineage(), verdict: { confirmed: false, reason: 'not-marked', detail: 'the instance is not marked for termination' } });
    for (let index = 0; index < 3; index++) h.hub.onAgentEvent(box('running'), event('notice', {}, 2_000 + index));
    await settle();
    await settle();
    assert.deepEqual(h.ignored, ['i-0abc: the instance is not marked for termination']);
    assert.deepEqual(h.recovered, []);
    assert.deepEqual(h.usage, [], 'a forged notice is no interruption in the ledger');
  });

  it('forgets the notices of boxes that are gone', () => {
    const h = hub();
    h.notices.post({ instanceId: 'i-0abc', kind: 'rebalance', receivedAt: 1 });
    h.hub.onBoxes([box('terminated')]);
    assert.equal(h.notices.of('i-0abc'), undefined);
  });

  it("asks Compute Engine (not EC2) about a Google Cloud box's notice, shows the countdown, and follows the group's own recovery instead of launching", async () => {
    const h = hub();
    const gce: Box = { ...box('running', 'trainer-x1y2'), cloud: 'gcp', region: 'us-central1', availabilityZone: 'us-central1-a', instanceType: 'g2-standard-4', lineage: 'trainer-1' };
    h.hub.onAgentEvent(gce, event('progress', { step: 120 }, 900));
    h.hub.onAgentEvent(gce, event('notice', { actionTime: '1970-01-01T00:00:31.000Z' }, 1_000));
    await settle();
    assert.deepEqual(h.asked, ['gcp trainer-x1y2 1000-31000']);
    assert.equal(h.notices.of('trainer-x1y2')?.actionTime, 31_000, 'the countdown runs to the notice\'s own deadline');
    assert.deepEqual(h.recovered, [], 'the coordinator launches nothing for a box its cloud restores');
    assert.deepEqual(h.selfRestored, [{ instanceId: 'trainer-x1y2', facts: { instanceId: 'trainer-x1y2', instanceType: 'g2-standard-4', availabilityZone: 'us-central1-a', noticeTime: 1_000, actionTime: 31_000, stepReached: 120 } }]);
  });

  it("shows no countdown and follows nothing for an Azure box's notice that ARM does not confirm (a forged journal line)", async () => {
    const h = hub({ selfRestoreVerdict: { confirmed: false, reason: 'not-marked', detail: 'trainer is running' } });
    const azure: Box = { ...box('running', '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/trainer_1'), cloud: 'azure', lineage: 'trainer-1' };
    h.hub.onAgentEvent(azure, event('notice', {}, 1_000));
    await settle();
    assert.equal(h.notices.of(azure.instanceId), undefined);
    assert.deepEqual(h.selfRestored, []);
    assert.deepEqual(h.ignored, [`${azure.instanceId}: trainer is running`]);
  });

  describe('a self-restoring box\'s restore at boot that no window followed', () => {
    const azureBox: Box = { cloud: 'azure', instanceId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/llama_1a2b', name: 'llama', region: 'eastus', availabilityZone: 'eastus', instanceType: 'Standard_NC4as_T4_v3', lifecycle: 'spot', state: 'running', lineage: 'llama-1' };
    const handoff = { from: 'llama_0f0f', noticeTime: '2026-12-07T03:00:00.000Z', actionTime: '2026-12-07T03:00:30.000Z', step: 812 };

    it('hands the box\'s journal outcome to the follower once the restore ended, with when the restore began', async () => {
      const h = hub();
      h.hub.onAgentEvent(azureBox, event('boot-restore', { phase: 'started' }, 100));
      h.hub.onAgentEvent(azureBox, event('boot-restore', { phase: 'waiting-handoff', ...handoff }, 110));
      h.hub.onAgentEvent(azureBox, event('boot-restore', { phase: 'restored', seq: 4, step: 812 }, 130));
      await settle();
      assert.equal(h.recalled.length, 0, 'not before the final phase');
      h.hub.onAgentEvent(azureBox, event('boot-restore', { phase: 'resumed', seq: 4, step: 812 }, 140));
      await settle();
      assert.equal(h.recalled.length, 1);
      assert.equal(h.recalled[0].bootStartedAt, 100);
      assert.equal(h.recalled[0].outcome.phase, 'resumed');
      assert.equal(h.recalled[0].outcome.handoff?.from, 'llama_0f0f');
      assert.equal(h.recalled[0].outcome.handoff?.noticeTime, Date.parse(handoff.noticeTime));
    });

    it('leaves AWS boxes to the coordinator, and a box a cross-cloud move landed to its AWS lineage\'s timeline', async () => {
      const moved = hub({ record: lineage({ lineage: 'llama-1', ended: true, movedTo: { cloud: 'azure', region: 'eastus', zone: 'eastus', instance: 'llama_1a2b', machineType: 'Standard_NC4as_T4_v3' } }) });
      for (const phase of ['started', 'resumed']) moved.hub.onAgentEvent(azureBox, event('boot-restore', { phase, seq: 1, step: 5 }, 100));
      const aws = hub();
      for (const phase of ['started', 'resumed']) aws.hub.onAgentEvent({ ...box('running'), lineage: 'llama-1' }, event('boot-restore', { phase, seq: 1, step: 5 }, 100));
      await settle();
      assert.deepEqual(moved.recalled, []);
      assert.deepEqual(aws.recalled, []);
    });
  });
});
