import * as assert from 'node:assert/strict';
import { dalyOptimalIntervalMinutes, estimate } from '../../../src/core/estimate/estimator';
import { p5Job, withInput } from './fixtures';

const near = (actual: number, expected: number, tolerance: number, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} is not within ${tolerance} of ${expected}`);

describe('dalyOptimalIntervalMinutes', () => {
  it("matches the reference's check value: C = 5 min, M = 24 h -> 116.7 min", () => {
    near(dalyOptimalIntervalMinutes(5, 24), 116.7, 0.05);
  });

  it('is M once checkpoints cost 2M or more, Infinity with no interruptions, 0 for free checkpoints', () => {
    assert.equal(dalyOptimalIntervalMinutes(120, 1), 60);
    assert.equal(dalyOptimalIntervalMinutes(5, Infinity), Infinity);
    assert.equal(dalyOptimalIntervalMinutes(0, 24), 0);
  });

  it('minimises the expected wall time', () => {
    const atOptimum = estimate(p5Job);
    for (const factor of [0.7, 1.4]) {
      const elsewhere = estimate(withInput({ checkpointIntervalMinutes: atOptimum.checkpointIntervalMinutes * factor }));
      assert.ok(elsewhere.expectedWallHours > atOptimum.expectedWallHours);
    }
  });
});

describe('estimate', () => {
  it('is exact with no interruptions: W plus one checkpoint per full segment, none after the last', () => {
    const evenly = estimate(withInput({ interruptionsPerHour: 0, computeHours: 10, checkpointMinutes: 5, checkpointIntervalMinutes: 60 }));
    assert.equal(evenly.expectedWallHours, 10 + (9 * 5) / 60);
    const partial = estimate(withInput({ interruptionsPerHour: 0, computeHours: 10, checkpointMinutes: 5, checkpointIntervalMinutes: 45 }));
    near(partial.expectedWallHours, 10 + (13 * 5) / 60, 1e-12);
    assert.equal(partial.expectedInterruptions, 0);
  });

  it('takes no periodic checkpoint at rate 0 by default, so spot runs exactly W hours', () => {
    const calm = estimate(withInput({ interruptionsPerHour: 0 }));
    assert.equal(calm.expectedWallHours, 100);
    assert.equal(calm.checkpointIntervalMinutes, 100 * 60);
  });

  it("reproduces the article's headline: p5.48xlarge at $19.66 vs $98.32 is 80 % off with no interruptions", () => {
    const calm = estimate(withInput({ interruptionsPerHour: 0 }));
    near(calm.savingsPercent, 80, 0.01);
    assert.equal(calm.onDemandCost, 9832);
    near(calm.spotCost, 1966, 1e-9);
  });

  it("shrinks the savings at H100's 4.1 %/h without notice checkpoints, and less with them", () => {
    const withoutNotice = estimate(p5Job);
    // Daly's interval here is ~164 min: 100 h lose ~14 h to rework, checkpoints and restarts.
    assert.ok(withoutNotice.savingsPercent < 80 && withoutNotice.savingsPercent > 75, `${withoutNotice.savingsPercent}`);
    near(withoutNotice.expectedWallHours, 113.7, 0.1, 'wall');
    near(withoutNotice.expectedInterruptions, 0.041 * withoutNotice.expectedWallHours, 1e-12);
    const withNotice = estimate(withInput({ noticeCheckpoint: true }));
    assert.ok(withNotice.savingsPercent > withoutNotice.savingsPercent && withNotice.savingsPercent < 80, `${withNotice.savingsPercent}`);
    // Only restarts are lost: 100 h * e^{0.041 * 0.25} ~ 101.03 h.
    near(withNotice.expectedWallHours, 100 * Math.exp(0.041 * 0.25), 1e-9, 'wall');
  });

  it('bills spot for restarts and checkpoints (less the first-hour refund), on-demand for the compute alone', () => {
    const result = estimate(p5Job);
    near(result.spotCost, (result.expectedWallHours - result.expectedFreeHours) * 19.66, 1e-9);
    assert.equal(result.onDemandCost, 100 * 98.32);
    near(result.savingsPercent, ((result.onDemandCost - result.spotCost) / result.onDemandCost) * 100, 1e-9);
  });

  it('finds the break-even rate, at which spot (before the first-hour refund) and on-demand cost the same', () => {
    for (const noticeCheckpoint of [false, true]) {
      const { breakEvenInterruptionsPerHour } = estimate(withInput({ noticeCheckpoint }));
      assert.ok(Number.isFinite(breakEvenInterruptionsPerHour) && breakEvenInterruptionsPerHour > 0.041);
      const atBreakEven = estimate(withInput({ noticeCheckpoint, interruptionsPerHour: breakEvenInterruptionsPerHour }));
      near(atBreakEven.expectedWallHours * p5Job.spotPricePerHour, atBreakEven.onDemandCost, 1e-6 * atBreakEven.onDemandCost, 'unrefunded spot cost at break-even');
      assert.ok(atBreakEven.savingsPercent > 0, 'the refund keeps spot a little cheaper there');
    }
  });

  it('puts break-even at 0 when spot costs more uninterrupted, and at Infinity when rates cannot make it dearer', () => {
    assert.equal(estimate(withInput({ spotPricePerHour: 120 })).breakEvenInterruptionsPerHour, 0);
    // With a notice checkpoint and an instant restart, interruptions cost nothing at all.
    assert.equal(estimate(withInput({ noticeCheckpoint: true, restartMinutes: 0 })).breakEvenInterruptionsPerHour, Infinity);
    // Spot at 0.5 % of on-demand stays cheaper until the job stops finishing (100x slower).
    assert.equal(estimate(withInput({ spotPricePerHour: 0.4 })).breakEvenInterruptionsPerHour, Infinity);
  });

  it('treats checkpointMinutes 0 as a job that does not checkpoint: every interruption restarts it', () => {
    const lambda = 0.041;
    const result = estimate(withInput({ computeHours: 20, checkpointMinutes: 0, interruptionsPerHour: lambda }));
    near(result.expectedWallHours, (Math.exp(lambda * 0.25) * Math.expm1(lambda * 20)) / lambda, 1e-9);
  });

  it('stays fast enough to call per keystroke', () => {
    const started = process.hrtime.bigint();
    for (let call = 0; call < 1000; call++) {
      estimate(withInput({ interruptionsPerHour: 0.001 * call }));
    }
    const meanMs = Number(process.hrtime.bigint() - started) / 1e6 / 1000;
    assert.ok(meanMs < 5, `${meanMs} ms per call`);
  });
});
