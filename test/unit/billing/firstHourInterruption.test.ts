import * as assert from 'node:assert/strict';
import { costOfBox } from '../../../src/core/billing/boxCost';
import { BoxCostTracker } from '../../../src/core/billing/boxCostTracker';
import { costTooltipMarkdown } from '../../../src/core/billing/costTooltip';
import { reclaimedInFirstHour } from '../../../src/core/billing/firstHourInterruption';
import { PriceHistoryCache } from '../../../src/core/billing/priceHistoryCache';
import type { Box } from '../../../src/core/boxes/box';
import { BoxStore } from '../../../src/core/boxes/boxStore';
import { silentLogger } from '../../../src/core/logging/logger';
import { NoticeBoard } from '../../../src/core/recovery/noticeBoard';
import { billingBox } from './boxFixture';
import { FakeClock, settle } from './fakeClock';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 5, 9);
const PRICE = [{ timestamp: T0 - HOUR, usdPerHour: 0.6 }];

const box = (overrides: Partial<Box> = {}): Box => billingBox(T0, { hourlyPriceUsd: 0.6, ...overrides });

describe('A spot box EC2 reclaims in its first hour is not charged', () => {
  it('judges the hour from EC2\'s launch time to the action time', () => {
    assert.equal(reclaimedInFirstHour(T0, T0 + HOUR - 1_000), true);
    assert.equal(reclaimedInFirstHour(T0, T0 + HOUR), false, 'one full hour has run: billed');
    assert.equal(reclaimedInFirstHour(undefined, T0 + MINUTE), false, 'no launch time, no waiver');
    assert.equal(reclaimedInFirstHour(T0, undefined), false);
  });

  it('costOfBox bills $0 for it, with what AWS waives, and in full past the hour or on demand', () => {
    const now = T0 + 40 * MINUTE;
    const waived = costOfBox(box(), now, { startMs: T0, history: PRICE, onDemandUsdPerHour: 1.5, reclaimAt: T0 + 41 * MINUTE });
    assert.equal(waived.accruedUsd, 0);
    assert.equal(waived.hourlyUsd, 0);
    assert.ok(Math.abs((waived.waiver?.usd ?? 0) - 0.4) < 1e-9, '40 minutes at $0.60/h waived');
    assert.ok(Math.abs((waived.savingsUsd ?? 0) - 1.0) < 1e-9, 'the whole on-demand equivalent is saved');

    const pastTheHour = costOfBox(box({ launchTime: T0 - 30 * MINUTE }), now, { startMs: T0 - 30 * MINUTE, history: PRICE, onDemandUsdPerHour: 1.5, reclaimAt: T0 + 41 * MINUTE });
    assert.equal(pastTheHour.waiver, undefined);
    assert.ok(Math.abs((pastTheHour.accruedUsd ?? 0) - 0.7) < 1e-9);
    const onDemand = costOfBox(box({ lifecycle: 'on-demand' }), now, { startMs: T0, onDemandUsdPerHour: 1.5, reclaimAt: T0 + 41 * MINUTE });
    assert.equal(onDemand.waiver, undefined);
    const noLaunchTime = costOfBox(box({ launchTime: undefined }), now, { startMs: T0, history: PRICE, reclaimAt: T0 + 41 * MINUTE });
    assert.equal(noLaunchTime.waiver, undefined, 'a box first seen late may be older than it looks');
    for (const cloud of ['gcp', 'azure'] as const) {
      const elsewhere = costOfBox(box({ cloud }), now, { startMs: T0, history: PRICE, onDemandUsdPerHour: 1.5, reclaimAt: T0 + 41 * MINUTE });
      assert.equal(elsewhere.waiver, undefined, `${cloud}: the first-hour waiver is AWS's`);
      assert.ok(Math.abs((elsewhere.accruedUsd ?? 0) - 0.4) < 1e-9, `${cloud}: billed in full`);
    }
  });

  it('the tracker bills it at $0 from the moment its notice is posted, and the tooltip says why', async () => {
    const clock = new FakeClock(T0 + 30 * MINUTE);
    const store = new BoxStore({ description: 'fake', listBoxes: async () => [box()] }, silentLogger);
    const history = new PriceHistoryCache({ priceHistory: async () => PRICE }, { clock, ttlMs: 5 * MINUTE, retryMs: 2 * MINUTE, logger: silentLogger });
    const notices = new NoticeBoard();
    const tracker = new BoxCostTracker({ store, history, notices, onDemandPrice: async () => 1.5, clock, logger: silentLogger, tickMs: MINUTE });
    await store.refresh();
    await settle();
    assert.ok(Math.abs(tracker.snapshot.summary.accruedUsd - 0.3) < 1e-9, 'billed while no notice has come');

    notices.post({ instanceId: 'i-1', kind: 'interruption', receivedAt: clock.now(), actionTime: clock.now() + 2 * MINUTE });
    const cost = tracker.snapshot.costs[0];
    assert.equal(tracker.snapshot.summary.accruedUsd, 0, 'recomputed on the notice');
    assert.equal(tracker.snapshot.summary.hourlyUsd, 0);
    assert.ok(cost?.waiver !== undefined);
    const tooltip = costTooltipMarkdown(tracker.snapshot);
    assert.match(tooltip, /\| llama \| .* \| \$0\.00\/h \| \$0\.00 † \|/);
    assert.match(tooltip, /† interrupted by EC2 in its first hour: not charged \(AWS waives the \$0\.30 its seconds would have cost\)/);
    tracker.dispose();
  });

  it('a rebalance recommendation is no interruption: the box is billed in full', async () => {
    const clock = new FakeClock(T0 + 30 * MINUTE);
    const store = new BoxStore({ description: 'fake', listBoxes: async () => [box()] }, silentLogger);
    const history = new PriceHistoryCache({ priceHistory: async () => PRICE }, { clock, ttlMs: 5 * MINUTE, retryMs: 2 * MINUTE, logger: silentLogger });
    const notices = new NoticeBoard();
    notices.post({ instanceId: 'i-1', kind: 'rebalance', receivedAt: T0 });
    const tracker = new BoxCostTracker({ store, history, notices, onDemandPrice: async () => 1.5, clock, logger: silentLogger, tickMs: MINUTE });
    await store.refresh();
    await settle();
    assert.equal(tracker.snapshot.costs[0]?.waiver, undefined);
    assert.ok(Math.abs(tracker.snapshot.summary.accruedUsd - 0.3) < 1e-9);
    assert.doesNotMatch(costTooltipMarkdown(tracker.snapshot), /not charged/);
    tracker.dispose();
  });
});
