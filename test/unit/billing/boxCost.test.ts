import * as assert from 'node:assert/strict';
import { costOfBox } from '../../../src/core/billing/boxCost';
import { billingBox } from './boxFixture';
import type { Box } from '../../../src/core/boxes/box';

const HOUR = 3_600_000;
const START = Date.UTC(2025, 4, 12, 8);
const box = (overrides: Partial<Box> = {}): Box => billingBox(START, { ...overrides });
const close = (actual: number | undefined, expected: number): void => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `expected ${expected}, got ${actual}`);

describe('costOfBox', () => {
  it('bills a spot box from its history and compares the same seconds on demand', () => {
    const history = [
      { timestamp: START - HOUR, usdPerHour: 0.3 },
      { timestamp: START + HOUR, usdPerHour: 0.5 },
    ];
    const cost = costOfBox(box({ hourlyPriceUsd: 0.9 }), START + 2 * HOUR, { startMs: START, history, onDemandUsdPerHour: 1.0 });
    assert.equal(cost.basis, 'price-history');
    close(cost.hourlyUsd, 0.5);
    close(cost.accruedUsd, 0.8);
    close(cost.onDemandEquivalentUsd, 2.0);
    close(cost.savingsUsd, 1.2);
    assert.equal(cost.assumedSeconds, 0);
  });

  it('uses today\'s price for the whole run until the history is known, and marks every second as assumed', () => {
    const cost = costOfBox(box({ hourlyPriceUsd: 0.4 }), START + HOUR, { startMs: START, history: [], onDemandUsdPerHour: 1.0 });
    assert.equal(cost.basis, 'current-price');
    close(cost.accruedUsd, 0.4);
    assert.equal(cost.assumedSeconds, 3600);
  });

  it('bills an on-demand box at the on-demand price, with no savings', () => {
    const cost = costOfBox(box({ lifecycle: 'on-demand' }), START + 3 * HOUR, { startMs: START, onDemandUsdPerHour: 1.006 });
    assert.equal(cost.basis, 'on-demand');
    close(cost.accruedUsd, 3.018);
    close(cost.savingsUsd, 0);
  });

  it('reports a box with no price at all as unpriced rather than free', () => {
    const cost = costOfBox(box(), START + HOUR, { startMs: START, onDemandUsdPerHour: 1 });
    assert.equal(cost.basis, 'unpriced');
    assert.equal(cost.accruedUsd, undefined);
    assert.equal(cost.savingsUsd, undefined);
  });

  it('leaves savings unknown without an on-demand price', () => {
    const cost = costOfBox(box(), START + HOUR, { startMs: START, history: [{ timestamp: START, usdPerHour: 2 }] });
    close(cost.accruedUsd, 2);
    assert.equal(cost.onDemandEquivalentUsd, undefined);
    assert.equal(cost.savingsUsd, undefined);
  });
});
