import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { costOfBox } from '../../../src/core/billing/boxCost';
import type { CostSnapshot } from '../../../src/core/billing/boxCostTracker';
import { buildDashboardModel } from '../../../src/core/dashboard/dashboardModel';
import { parseLedger, writeLedgerFile } from '../../../src/core/dashboard/ledgerFile';
import { addInterruption, applyCostSnapshot, mergeLedgers } from '../../../src/core/dashboard/sessionUpdates';
import type { LedgerData } from '../../../src/core/dashboard/usageTypes';
import { summarizeBoxCosts } from '../../../src/core/billing/costSummary';
import { box, HOUR, session, snapshotAt, T0 } from './fixtures';

const MINUTE = 60_000;
const ledger = (sessions: LedgerData['sessions']): LedgerData => ({ sessions, pendingEvents: [] });

describe('Usage ledger and dashboard: a first-hour EC2 interruption is billed $0', () => {
  it('a notice that ends the session within its first hour bills it $0 and keeps what AWS waived', () => {
    const running = applyCostSnapshot(ledger([]), snapshotAt(T0 + 30 * MINUTE, [box()]))!;
    const noticed = addInterruption(running, 'i-1', 'notice', T0 + 30 * MINUTE)!;
    const [charged] = noticed.sessions;
    assert.equal(charged.accruedUsd, 0);
    assert.ok(Math.abs((charged.waiver?.usd ?? 0) - 0.2) < 1e-9, '30 minutes at $0.40/h');

    // The ticker keeps reporting the gross figure when it has no notice board (another window saw the notice).
    const later = applyCostSnapshot(noticed, snapshotAt(T0 + 32 * MINUTE, [box()]))!;
    assert.equal(later.sessions[0].accruedUsd, 0, 'stays $0');
    assert.ok((later.sessions[0].waiver?.usd ?? 0) > 0.2, 'what was waived grows with the seconds');
  });

  it('a notice whose action time falls past the first hour, a rebalance and a hard termination are billed in full', () => {
    const running = applyCostSnapshot(ledger([]), snapshotAt(T0 + 59 * MINUTE, [box()]))!;
    // Noticed at 58:30: EC2 acts at 60:30, after a full hour has run.
    const late = addInterruption(running, 'i-1', 'notice', T0 + 58.5 * MINUTE)!;
    assert.ok((late.sessions[0].accruedUsd ?? 0) > 0);
    assert.equal(late.sessions[0].waiver, undefined);
    for (const kind of ['rebalance', 'hard'] as const) {
      const other = addInterruption(running, 'i-1', kind, T0 + 20 * MINUTE)!;
      assert.equal(other.sessions[0].waiver, undefined, `${kind}: not waived`);
    }
    const seenLongAfter = addInterruption(applyCostSnapshot(ledger([]), snapshotAt(T0 + 50 * MINUTE, [box()]))!, 'i-1', 'notice', T0 + 20 * MINUTE)!;
    assert.equal(seenLongAfter.sessions[0].waiver, undefined, 'a box seen running half an hour after its notice was not ended by it');
    const onDemand = applyCostSnapshot(ledger([]), snapshotAt(T0 + 30 * MINUTE, [box({ lifecycle: 'on-demand' })]))!;
    assert.equal(addInterruption(onDemand, 'i-1', 'notice', T0 + 30 * MINUTE)!.sessions[0].waiver, undefined);
    for (const cloud of ['gcp', 'azure'] as const) {
      const elsewhere = addInterruption(applyCostSnapshot(ledger([]), snapshotAt(T0 + 30 * MINUTE, [box({ cloud })]))!, 'i-1', 'notice', T0 + 30 * MINUTE)!;
      assert.equal(elsewhere.sessions[0].waiver, undefined, `${cloud}: the first-hour waiver is AWS's`);
      assert.ok(Math.abs((elsewhere.sessions[0].accruedUsd ?? 0) - 0.2) < 1e-9, `${cloud}: billed in full`);
    }
  });

  it('takes the ticker\'s waiver from the snapshot, and keeps it when another window\'s copy lacks it', () => {
    const at = T0 + 20 * MINUTE;
    const cost = costOfBox(box(), at, { startMs: T0, history: [{ timestamp: 0, usdPerHour: 0.4 }], onDemandUsdPerHour: 1, reclaimAt: at + 2 * MINUTE });
    const snapshot: CostSnapshot = { at, boxListKnown: true, allBoxes: [box()], costs: [cost], summary: summarizeBoxCosts([cost]) };
    const ours = applyCostSnapshot(ledger([]), snapshot)!;
    assert.equal(ours.sessions[0].accruedUsd, 0);
    const theirs = ledger([{ ...ours.sessions[0], accruedUsd: 0.15, waiver: undefined, lastSeenAt: at + MINUTE }]);
    const merged = mergeLedgers(ours, theirs);
    assert.equal(merged.sessions[0].accruedUsd, 0);
    assert.ok(Math.abs((merged.sessions[0].waiver?.usd ?? 0) - 0.15) < 1e-9);
  });

  it('survives the ledger file', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-ledger-'));
    try {
      const file = path.join(directory, 'usage-ledger.json');
      const waived = session({ accruedUsd: 0, waiver: { reason: 'ec2-interrupted-in-first-hour', usd: 0.3 } });
      await writeLedgerFile(file, ledger([waived]));
      assert.deepEqual(parseLedger(fs.readFileSync(file, 'utf8')).data.sessions[0].waiver, waived.waiver);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it('the dashboard counts the session as $0 spent, all saved, and says why on the box\'s row', () => {
    const waived = session({ start: T0, end: T0 + 40 * MINUTE, lastSeenAt: T0 + 40 * MINUTE, accruedUsd: 0, onDemandEquivalentUsd: 1, waiver: { reason: 'ec2-interrupted-in-first-hour', usd: 0.27 } });
    const billed = session({ start: T0 + HOUR, end: T0 + 2 * HOUR, lastSeenAt: T0 + 2 * HOUR, instanceId: 'i-2' });
    const model = buildDashboardModel([waived, billed], T0 + 3 * HOUR);
    assert.ok(Math.abs(model.totals.spotUsd - 0.4) < 1e-9, 'only the second session is spent');
    assert.ok(Math.abs(model.totals.savingsUsd - (2 - 0.4)) < 1e-9);
    assert.equal(model.totals.notChargedSessions, 1);
    assert.equal(model.totals.notChargedUsd, 0.27);
    assert.equal(model.boxes[0].notChargedReason, '1 session interrupted by EC2 in its first hour: not charged ($0.27 waived by AWS)');
    assert.equal(buildDashboardModel([billed], T0 + 3 * HOUR).boxes[0].notChargedReason, undefined);
  });
});
