import * as assert from 'node:assert/strict';
import type { Box } from '../../../src/core/boxes/box';
import type { BoxCost } from '../../../src/core/billing/boxCost';
import { costTickerText, formatUsd, groupCostText, summarizeBoxCosts, summarizeCost } from '../../../src/core/billing/costSummary';

const HOUR = 3_600_000;
const box = (overrides: Partial<Box>): Box => ({
  cloud: 'aws', instanceId: 'i-1',
  name: 'box',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 'p5.48xlarge',
  lifecycle: 'spot',
  state: 'running',
  ...overrides,
});

describe('summarizeCost', () => {
  it('sums hourly prices and accrues from launch time for billable boxes only', () => {
    const now = 10 * HOUR;
    const summary = summarizeCost(
      [
        box({ instanceId: 'i-1', hourlyPriceUsd: 19.66, launchTime: now - 2 * HOUR }),
        box({ instanceId: 'i-2', state: 'interrupting', hourlyPriceUsd: 1, launchTime: now - HOUR / 2 }),
        box({ instanceId: 'i-3', state: 'terminated', hourlyPriceUsd: 100, launchTime: 0 }),
        box({ instanceId: 'i-4', state: 'pending', hourlyPriceUsd: 100 }),
      ],
      now,
    );
    assert.equal(summary.billableBoxes, 2);
    assert.ok(Math.abs(summary.hourlyUsd - 20.66) < 1e-9);
    assert.ok(Math.abs(summary.accruedUsd - (2 * 19.66 + 0.5)) < 1e-9);
    assert.equal(summary.unpricedBoxes, 0);
  });

  it('counts boxes without a known price instead of silently treating them as free', () => {
    const summary = summarizeCost([box({ hourlyPriceUsd: undefined })], 0);
    assert.deepEqual(summary, { billableBoxes: 1, hourlyUsd: 0, accruedUsd: 0, unpricedBoxes: 1 });
    assert.equal(costTickerText(summary), '1 box $0.00/h · $0.00 (+1 unpriced)');
  });

  it('never accrues negative cost for a clock behind the launch time', () => {
    assert.equal(summarizeCost([box({ hourlyPriceUsd: 5, launchTime: 2 * HOUR })], HOUR).accruedUsd, 0);
  });
});

describe('formatUsd', () => {
  it('shows cents for small amounts and fewer digits for large ones', () => {
    assert.equal(formatUsd(0.4), '$0.40');
    assert.equal(formatUsd(19.66), '$19.7');
    assert.equal(formatUsd(1234.5), '$1235');
  });
});

describe('summarizeBoxCosts', () => {
  const cost = (overrides: Partial<BoxCost>): BoxCost => ({ box: box({}), startMs: 0, billedSeconds: 3600, assumedSeconds: 0, basis: 'price-history', ...overrides });

  it('sums billed costs and measures savings only over boxes priced both ways', () => {
    const summary = summarizeBoxCosts([
      cost({ hourlyUsd: 0.5, accruedUsd: 2, onDemandHourlyUsd: 1, onDemandEquivalentUsd: 5, savingsUsd: 3 }),
      cost({ hourlyUsd: 4, accruedUsd: 8, assumedSeconds: 60 }),
      cost({ basis: 'unpriced', onDemandHourlyUsd: 1 }),
    ]);
    assert.equal(summary.billableBoxes, 3);
    assert.equal(summary.unpricedBoxes, 1);
    assert.equal(summary.hourlyUsd, 4.5);
    assert.equal(summary.accruedUsd, 10);
    assert.equal(summary.onDemandHourlyUsd, 1);
    assert.equal(summary.onDemandEquivalentUsd, 5);
    assert.equal(summary.savingsUsd, 3, 'the box without an on-demand price adds no savings');
    assert.equal(summary.estimatedBoxes, 1);
    assert.equal(costTickerText(summary), '3 boxes $4.50/h · $10.0 (+1 unpriced)');
  });
});

describe('groupCostText (a cloud or region row of the tree)', () => {
  it('says what the group costs per hour, and says a box without a price instead of counting it as $0', () => {
    const now = 10 * HOUR;
    const priced = box({ instanceId: 'i-1', hourlyPriceUsd: 0.32, launchTime: now - HOUR });
    const unpriced = box({ instanceId: 'i-2', cloud: 'azure', launchTime: now - HOUR });
    const stopped = box({ instanceId: 'i-3', state: 'stopped', hourlyPriceUsd: 1 });
    assert.equal(groupCostText(1, summarizeCost([priced], now)), '1 box · $0.32/h');
    assert.equal(groupCostText(1, summarizeCost([unpriced], now)), '1 box · price unknown');
    assert.equal(groupCostText(2, summarizeCost([priced, unpriced], now)), '2 boxes · $0.32/h + 1 unpriced');
    assert.equal(groupCostText(1, summarizeCost([stopped], now)), '1 box', 'nothing billed: no price');
  });
});
