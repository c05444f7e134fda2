import * as assert from 'node:assert/strict';
import { EMPTY_LEDGER } from '../../../src/core/dashboard/ledgerFile';
import { addEpoch, addInterruption, applyCostSnapshot, mergeLedgers, MAX_PENDING_EVENTS } from '../../../src/core/dashboard/sessionUpdates';
import type { LedgerData } from '../../../src/core/dashboard/usageTypes';
import { box, HOUR, session, snapshotAt, T0 } from './fixtures';

const near = (actual: number | undefined, expected: number): void => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);

describe('applyCostSnapshot (sessions from box snapshots)', () => {
  it('opens a session when a box becomes billable and keeps its cost up to date', () => {
    const opened = applyCostSnapshot(EMPTY_LEDGER, snapshotAt(T0 + HOUR, [box()]));
    assert.equal(opened?.sessions.length, 1);
    const first = opened.sessions[0];
    assert.equal(first?.id, `i-1@${T0}`);
    assert.equal(first?.cloud, 'aws');
    assert.equal(applyCostSnapshot(EMPTY_LEDGER, snapshotAt(T0 + HOUR, [box({ cloud: 'gcp' })]))?.sessions[0]?.cloud, 'gcp', "the session records its box's cloud");
    assert.equal(first?.end, undefined);
    near(first?.accruedUsd, 0.4);
    near(first?.onDemandEquivalentUsd, 1);
    const later = applyCostSnapshot(opened, snapshotAt(T0 + 3 * HOUR, [box()]));
    assert.equal(later?.sessions.length, 1);
    near(later?.sessions[0]?.accruedUsd, 1.2);
    assert.equal(later?.sessions[0]?.lastSeenAt, T0 + 3 * HOUR);
  });

  it('closes at the last sighting, with the cost known then, and says why', () => {
    const running = applyCostSnapshot(EMPTY_LEDGER, snapshotAt(T0 + HOUR, [box({ instanceId: 'i-gone' }), box({ instanceId: 'i-term' }), box({ instanceId: 'i-stop' })]))!;
    const after = applyCostSnapshot(running, snapshotAt(T0 + 2 * HOUR, [box({ instanceId: 'i-term', state: 'terminated' }), box({ instanceId: 'i-stop', state: 'stopped' })]))!;
    const byId = new Map(after.sessions.map((s) => [s.instanceId, s]));
    assert.deepEqual([byId.get('i-gone')?.endReason, byId.get('i-term')?.endReason, byId.get('i-stop')?.endReason], ['gone', 'terminated', 'stopped']);
    assert.ok(after.sessions.every((s) => s.end === T0 + HOUR), 'ended when last seen billable, not when noticed');
    near(byId.get('i-gone')?.accruedUsd, 0.4);
  });

  it('starts a new session when an instance was stopped and started between two looks', () => {
    const first = applyCostSnapshot(EMPTY_LEDGER, snapshotAt(T0 + HOUR, [box()]))!;
    const restarted = applyCostSnapshot(first, snapshotAt(T0 + 5 * HOUR, [box({ launchTime: T0 + 4 * HOUR })]))!;
    assert.deepEqual(
      restarted.sessions.map((s) => [s.start, s.end, s.endReason]),
      [
        [T0, T0 + HOUR, 'stopped'],
        [T0 + 4 * HOUR, undefined, undefined],
      ],
    );
  });

  it('reopens a session whose box only vanished from one box list', () => {
    const first = applyCostSnapshot(EMPTY_LEDGER, snapshotAt(T0 + HOUR, [box()]))!;
    const gap = applyCostSnapshot(first, snapshotAt(T0 + 2 * HOUR, []))!;
    assert.equal(gap.sessions[0]?.endReason, 'gone');
    const back = applyCostSnapshot(gap, snapshotAt(T0 + 3 * HOUR, [box()]))!;
    assert.equal(back.sessions.length, 1);
    assert.equal(back.sessions[0]?.end, undefined);
    near(back.sessions[0]?.accruedUsd, 1.2);
  });

  it('does nothing before the first box list: an empty list then means "not read yet"', () => {
    const first = applyCostSnapshot(EMPTY_LEDGER, snapshotAt(T0 + HOUR, [box()]))!;
    assert.equal(applyCostSnapshot(first, snapshotAt(T0 + 2 * HOUR, [], 0.4, false)), undefined);
  });

  it('attaches events reported before the box was seen when its session opens', () => {
    const pending = addEpoch(addInterruption(EMPTY_LEDGER, 'i-1', 'rebalance', T0 + 10)!, 'i-1', 3, T0 + 20)!;
    assert.equal(pending.pendingEvents.length, 2);
    const opened = applyCostSnapshot(pending, snapshotAt(T0 + HOUR, [box()]))!;
    assert.deepEqual(opened.pendingEvents, []);
    assert.deepEqual(opened.sessions[0]?.interruptions, [{ kind: 'rebalance', time: T0 + 10 }]);
    assert.deepEqual(opened.sessions[0]?.epochs, [{ epoch: 3, time: T0 + 20 }]);
  });
});

describe('interruptions and epochs', () => {
  const data: LedgerData = { sessions: [session({ start: T0 }), session({ start: T0 + 5 * HOUR, end: undefined, endReason: undefined })], pendingEvents: [] };

  it('go to the session of the instance that was running at the time', () => {
    const early = addInterruption(data, 'i-1', 'notice', T0 + 30 * 60_000)!;
    assert.equal(early.sessions[0]?.interruptions.length, 1);
    const late = addInterruption(data, 'i-1', 'hard', T0 + 6 * HOUR)!;
    assert.deepEqual(late.sessions[1]?.interruptions, [{ kind: 'hard', time: T0 + 6 * HOUR }]);
  });

  it('are recorded once when reported twice; a re-reported epoch keeps the later time', () => {
    const once = addInterruption(data, 'i-1', 'notice', T0 + 6 * HOUR)!;
    assert.equal(addInterruption(once, 'i-1', 'notice', T0 + 6 * HOUR), undefined);
    const epoch = addEpoch(data, 'i-1', 4, T0 + 6 * HOUR)!;
    const redone = addEpoch(epoch, 'i-1', 4, T0 + 7 * HOUR)!;
    assert.deepEqual(redone.sessions[1]?.epochs, [{ epoch: 4, time: T0 + 7 * HOUR }]);
    assert.equal(addEpoch(redone, 'i-1', 4, T0 + 6 * HOUR), undefined, 'an older report changes nothing');
  });

  it('keep at most a bounded number of events for instances never seen', () => {
    let ledger: LedgerData = EMPTY_LEDGER;
    for (let i = 0; i < MAX_PENDING_EVENTS + 20; i++) ledger = addInterruption(ledger, `i-${i}`, 'notice', i)!;
    assert.equal(ledger.pendingEvents.length, MAX_PENDING_EVENTS);
    assert.equal(ledger.pendingEvents.at(-1)?.instanceId, `i-${MAX_PENDING_EVENTS + 19}`, 'the newest are kept');
  });
});

describe('mergeLedgers (two editor windows, one file)', () => {
  it('keeps both windows\' sessions, the newer sighting of a shared one, and the union of its events', () => {
    const shared = session({ instanceId: 'i-shared', lastSeenAt: T0 + HOUR, accruedUsd: 0.4, interruptions: [{ kind: 'rebalance', time: T0 + 1 }] });
    const ours: LedgerData = { sessions: [shared, session({ instanceId: 'i-ours' })], pendingEvents: [] };
    const theirs: LedgerData = {
      sessions: [{ ...shared, lastSeenAt: T0 + 2 * HOUR, end: T0 + 2 * HOUR, accruedUsd: 0.8, interruptions: [{ kind: 'notice', time: T0 + 2 }] }, session({ instanceId: 'i-theirs' })],
      pendingEvents: [{ instanceId: 'i-ours', epoch: { epoch: 1, time: T0 + 3 } }],
    };
    const merged = mergeLedgers(ours, theirs);
    const byId = new Map(merged.sessions.map((s) => [s.instanceId, s]));
    assert.deepEqual([...byId.keys()].sort(), ['i-ours', 'i-shared', 'i-theirs']);
    assert.equal(byId.get('i-shared')?.accruedUsd, 0.8);
    assert.deepEqual(byId.get('i-shared')?.interruptions.map((i) => i.kind), ['rebalance', 'notice']);
    assert.deepEqual(byId.get('i-ours')?.epochs, [{ epoch: 1, time: T0 + 3 }], 'a pending event finds the session the other window had');
    assert.deepEqual(merged.pendingEvents, []);
    assert.deepEqual(mergeLedgers(merged, merged), merged, 'merging is idempotent');
  });
});
