import * as assert from 'node:assert/strict';
import { posteriorInterruptionsPerHour, PRIOR_WEIGHT_HOURS } from '../../../src/core/estimate/observedRate';

const near = (actual: number, expected: number, relative: number, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what} ${actual} is not within ${relative * 100} % of ${expected}`);

describe('posteriorInterruptionsPerHour (Gamma–Poisson)', () => {
  const advisor = 1.0683e-4; // "5-10%" a month: -ln(1 - 0.075) / 730

  it('is the prior when nothing has been observed', () => {
    near(posteriorInterruptionsPerHour(advisor, { interruptions: 0, hours: 0 }), advisor, 1e-12);
  });

  it('is (alpha + n) / (beta + H) with alpha = prior x 100 h', () => {
    assert.equal(PRIOR_WEIGHT_HOURS, 100);
    // 3 interruptions in 41 h: (0.010683 + 3) / 141.
    near(posteriorInterruptionsPerHour(advisor, { interruptions: 3, hours: 41 }), 0.0213523, 1e-5);
    // One interruption in the first hour: about 1/101 per hour, not 1/h.
    near(posteriorInterruptionsPerHour(advisor, { interruptions: 1, hours: 1 }), 1.010683 / 101, 1e-9);
  });

  it('weighs prior and observed rate by hours: halfway once the pool has run as long as the prior weight', () => {
    const observedRate = 0.05;
    near(posteriorInterruptionsPerHour(0.01, { interruptions: 5, hours: 100 }), (0.01 + observedRate) / 2, 1e-12);
  });

  it('tends to the observed rate with lots of data, whatever the prior', () => {
    for (const prior of [0, advisor, 0.5]) {
      near(posteriorInterruptionsPerHour(prior, { interruptions: 5000, hours: 1_000_000 }), 0.005, 0.01, `prior ${prior}:`);
    }
  });

  it('hours without an interruption lower the rate', () => {
    assert.ok(posteriorInterruptionsPerHour(advisor, { interruptions: 0, hours: 300 }) < advisor);
  });

  it('takes another prior weight', () => {
    near(posteriorInterruptionsPerHour(0.001, { interruptions: 2, hours: 30 }, 730), (0.73 + 2) / 760, 1e-12);
  });

  it('refuses rates, counts, hours and weights that make no sense', () => {
    assert.throws(() => posteriorInterruptionsPerHour(-1, { interruptions: 0, hours: 0 }), /prior interruption rate/);
    assert.throws(() => posteriorInterruptionsPerHour(Number.NaN, { interruptions: 0, hours: 0 }), /prior interruption rate/);
    assert.throws(() => posteriorInterruptionsPerHour(advisor, { interruptions: 1.5, hours: 3 }), /whole number/);
    assert.throws(() => posteriorInterruptionsPerHour(advisor, { interruptions: 1, hours: -2 }), /hours/);
    assert.throws(() => posteriorInterruptionsPerHour(advisor, { interruptions: 1, hours: 2 }, 0), /prior weight/);
  });
});
