import * as assert from 'node:assert/strict';
import type { PriceChange } from '../../../src/core/billing/accruedCost';
import { BoxCostTracker, type CostSnapshot } from '../../../src/core/billing/boxCostTracker';
import { PriceHistoryCache } from '../../../src/core/billing/priceHistoryCache';
import type { PriceHistoryKey } from '../../../src/core/billing/priceHistorySource';
import type { Box } from '../../../src/core/boxes/box';
import { BoxStore } from '../../../src/core/boxes/boxStore';
import { silentLogger } from '../../../src/core/logging/logger';
import { billingBox } from './boxFixture';
import { FakeClock, settle } from './fakeClock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2025, 4, 12, 8);

const box = (overrides: Partial<Box> = {}): Box => billingBox(T0, { hourlyPriceUsd: 0.4, ...overrides });

/** A tracker over a real store and cache, with a fake clock, a market and an on-demand price list. */
function setUp(market: Record<string, PriceChange[]>, onDemand: Record<string, number> = { 'us-east-1|g5.xlarge': 1.0 }) {
  const clock = new FakeClock(T0 + HOUR);
  let boxes: Box[] = [];
  const store = new BoxStore({ description: 'fake', listBoxes: async () => boxes }, silentLogger);
  const historyCalls: Array<{ key: PriceHistoryKey; start: number }> = [];
  const history = new PriceHistoryCache(
    {
      priceHistory: async (key, start) => {
        historyCalls.push({ key, start });
        return market[key.availabilityZone] ?? [];
      },
    },
    { clock, ttlMs: 5 * MINUTE, retryMs: 2 * MINUTE, logger: silentLogger },
  );
  const tracker = new BoxCostTracker({
    store,
    history,
    onDemandPrice: async (region, type) => onDemand[`${region}|${type}`],
    clock,
    logger: silentLogger,
    tickMs: MINUTE,
  });
  const snapshots: CostSnapshot[] = [];
  tracker.onDidChange((snapshot) => snapshots.push(snapshot));
  const setBoxes = async (next: Box[]): Promise<void> => {
    boxes = next;
    await store.refresh();
    await settle();
  };
  return { clock, store, tracker, snapshots, historyCalls, setBoxes };
}

describe('BoxCostTracker', () => {
  it('holds no timer while nothing is billable, ticks once a minute while something is, and stops again', async () => {
    const { clock, tracker, setBoxes } = setUp({});
    assert.deepEqual(clock.pending(), []);
    await setBoxes([box({ state: 'pending' })]);
    assert.deepEqual(clock.pending(), [], 'a pending box is not billed');
    await setBoxes([box()]);
    assert.deepEqual(clock.pending(), [MINUTE]);
    assert.equal(tracker.ticking, true);
    await setBoxes([box({ state: 'terminated' })]);
    assert.deepEqual(clock.pending(), []);
    tracker.dispose();
  });

  it('prices from the history as soon as it lands, without waiting for the next tick', async () => {
    const { tracker, historyCalls, setBoxes, snapshots } = setUp({
      'us-east-1a': [{ timestamp: T0 - HOUR, usdPerHour: 0.3 }, { timestamp: T0 + 30 * MINUTE, usdPerHour: 0.5 }],
    });
    await setBoxes([box()]);
    assert.deepEqual(historyCalls, [{ key: { region: 'us-east-1', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a' }, start: T0 }]);
    const cost = tracker.snapshot.costs[0];
    assert.equal(cost?.basis, 'price-history');
    assert.ok(Math.abs((cost?.accruedUsd ?? 0) - (0.15 + 0.25)) < 1e-9);
    assert.equal(cost?.hourlyUsd, 0.5);
    assert.ok(Math.abs((cost?.savingsUsd ?? 0) - (1.0 - 0.4)) < 1e-9, 'on-demand baseline arrived too');
    assert.ok(snapshots.some((snapshot) => snapshot.costs[0]?.basis === 'current-price'), 'today\'s price stood in while the history was read');
    tracker.dispose();
  });

  it('accrues on each tick and reads EC2 again only when the cache is stale', async () => {
    const { clock, tracker, historyCalls, setBoxes } = setUp({ 'us-east-1a': [{ timestamp: T0 - HOUR, usdPerHour: 0.6 }] });
    await setBoxes([box()]);
    const before = tracker.snapshot.summary.accruedUsd;
    clock.advance(MINUTE);
    await settle();
    assert.ok(Math.abs(tracker.snapshot.summary.accruedUsd - before - 0.01) < 1e-9, 'one more minute at 0.60/h');
    assert.equal(historyCalls.length, 1);
    clock.advance(5 * MINUTE);
    await settle();
    assert.equal(historyCalls.length, 2, 'a stale pool is read again');
    tracker.dispose();
  });

  it('knows the box list only once the store has delivered one', async () => {
    const { tracker, setBoxes } = setUp({});
    assert.equal(tracker.snapshot.boxListKnown, false);
    await setBoxes([]);
    assert.equal(tracker.snapshot.boxListKnown, true);
    tracker.dispose();
  });

  it('bills a box without a launch time from when it was first seen', async () => {
    const { clock, tracker, setBoxes } = setUp({ 'us-east-1a': [{ timestamp: 0, usdPerHour: 3.6 }] });
    await setBoxes([box({ launchTime: undefined })]);
    const firstSeen = clock.time;
    clock.advance(2 * MINUTE);
    await settle();
    assert.equal(tracker.snapshot.costs[0]?.startMs, firstSeen);
    assert.ok(Math.abs(tracker.snapshot.summary.accruedUsd - 0.12) < 1e-9);
    tracker.dispose();
  });
});
