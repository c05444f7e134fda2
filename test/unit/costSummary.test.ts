import * as assert from 'node:assert/strict';
import type { Box } from '../../src/core/boxes/box';
import { costTickerText, formatUsd, summarizeCost } from '../../src/core/pricing/costSummary';

const HOUR = 3_600_000;
const box = (overrides: Partial<Box>): Box => ({
  instanceId: 'i-1',
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
