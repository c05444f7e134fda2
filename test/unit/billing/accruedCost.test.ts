import * as assert from 'node:assert/strict';
import { accruedCost, MINIMUM_BILLED_SECONDS, priceAt } from '../../../src/core/billing/accruedCost';
import { referenceCostUsd } from './referenceBilling';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const LAUNCH = Date.UTC(2025, 4, 12, 9, 0, 0);

const close = (actual: number | undefined, expected: number, what = ''): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${what} expected ${expected}, got ${actual}`);
};

describe('accruedCost (per-second billing over spot price history)', () => {
  it('bills a price set before the launch for the whole run', () => {
    const cost = accruedCost(LAUNCH, LAUNCH + 2 * HOUR, [{ timestamp: LAUNCH - HOUR, usdPerHour: 0.5 }]);
    close(cost?.usd, 1.0);
    assert.equal(cost?.billedSeconds, 7200);
    assert.equal(cost?.assumedSeconds, 0);
  });

  it('integrates piecewise across price changes, whatever order the history comes in', () => {
    const history = [
      { timestamp: LAUNCH + 30 * MINUTE, usdPerHour: 3.0 },
      { timestamp: LAUNCH - 10 * MINUTE, usdPerHour: 1.0 },
      { timestamp: LAUNCH - 2 * HOUR, usdPerHour: 50 },
    ];
    // 30 min at 1.00 and 30 min at 3.00; the price two hours before launch never applies.
    close(accruedCost(LAUNCH, LAUNCH + HOUR, history)?.usd, 0.5 + 1.5);
  });

  it('prices each second at the price in effect when it began', () => {
    // Seconds starting at 0 s and 1 s still see 3.60; from 2 s on they see 7.20.
    const cost = accruedCost(0, 120 * SECOND, [
      { timestamp: 0, usdPerHour: 3.6 },
      { timestamp: 1500, usdPerHour: 7.2 },
    ]);
    close(cost?.usd, (2 * 3.6 + 118 * 7.2) / 3600);
  });

  it('charges at least one minute, and nothing for a run that has not started', () => {
    const short = accruedCost(LAUNCH, LAUNCH + 10 * SECOND, [{ timestamp: LAUNCH, usdPerHour: 3.6 }]);
    assert.equal(short?.billedSeconds, MINIMUM_BILLED_SECONDS);
    close(short?.usd, 0.06);
    assert.deepEqual(accruedCost(LAUNCH, LAUNCH, [{ timestamp: LAUNCH, usdPerHour: 3.6 }]), { usd: 0, billedSeconds: 0, assumedSeconds: 0 });
    assert.deepEqual(accruedCost(LAUNCH, LAUNCH - HOUR, [{ timestamp: LAUNCH, usdPerHour: 3.6 }]), { usd: 0, billedSeconds: 0, assumedSeconds: 0 });
  });

  it('bills whole seconds only', () => {
    assert.equal(accruedCost(0, 90_500, [{ timestamp: 0, usdPerHour: 1 }])?.billedSeconds, 90);
  });

  it('prices the time before the first known change at that change, and says how long that was', () => {
    const cost = accruedCost(LAUNCH, LAUNCH + HOUR, [{ timestamp: LAUNCH + 30 * MINUTE, usdPerHour: 2.0 }]);
    close(cost?.usd, 2.0);
    assert.equal(cost?.assumedSeconds, 1800);
  });

  it('ignores changes after the end and nonsense entries; a later duplicate wins', () => {
    const history = [
      { timestamp: LAUNCH, usdPerHour: 9 },
      { timestamp: LAUNCH, usdPerHour: 1 },
      { timestamp: Number.NaN, usdPerHour: 5 },
      { timestamp: LAUNCH + MINUTE, usdPerHour: -3 },
      { timestamp: LAUNCH + 5 * HOUR, usdPerHour: 100 },
    ];
    close(accruedCost(LAUNCH, LAUNCH + 2 * HOUR, history)?.usd, 2);
  });

  it('knows no cost without any price', () => {
    assert.equal(accruedCost(LAUNCH, LAUNCH + HOUR, []), undefined);
  });

  it('agrees with pricing every second one by one over random histories', () => {
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let run = 0; run < 200; run++) {
      const start = LAUNCH + Math.floor(random() * 5000);
      const end = start + Math.floor(random() * 3 * HOUR);
      const history = Array.from({ length: 1 + Math.floor(random() * 8) }, () => ({
        timestamp: start - HOUR + Math.floor(random() * 5 * HOUR),
        usdPerHour: Math.round(random() * 4000) / 1000,
      }));
      const unique = [...new Map(history.map((change) => [change.timestamp, change])).values()];
      close(accruedCost(start, end, unique)?.usd, referenceCostUsd(start, end, unique), `run ${run}`);
    }
  });
});

describe('priceAt', () => {
  const history = [
    { timestamp: 2 * HOUR, usdPerHour: 3 },
    { timestamp: HOUR, usdPerHour: 2 },
  ];
  it('is the last change at or before the time, else the earliest known', () => {
    assert.equal(priceAt(history, 90 * MINUTE), 2);
    assert.equal(priceAt(history, 2 * HOUR), 3);
    assert.equal(priceAt(history, 0), 2);
    assert.equal(priceAt([], 0), undefined);
  });
});
