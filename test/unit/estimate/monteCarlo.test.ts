import * as assert from 'node:assert/strict';
import { estimate } from '../../../src/core/estimate/estimator';
import { simulateJob } from '../../../src/core/estimate/monteCarlo';
import { withInput } from './fixtures';

describe('simulateJob against the closed form', () => {
  // The spread of one run's wall time is at most ~30 % of its mean on this grid (short jobs at
  // 0.2/h), so 3000 runs put the mean's standard error near 0.5 %: 3 % is a 6-sigma band.
  const RUNS = 3000;
  let seed = 1;
  for (const computeHours of [10, 100]) {
    for (const interruptionsPerHour of [0.008, 0.023, 0.041, 0.2]) {
      for (const checkpointMinutes of [1, 5, 20]) {
        for (const restartMinutes of [5, 15]) {
          for (const noticeCheckpoint of [false, true]) {
            const input = withInput({ computeHours, interruptionsPerHour, checkpointMinutes, restartMinutes, noticeCheckpoint });
            const label = `W ${computeHours} h, lambda ${interruptionsPerHour}/h, C ${checkpointMinutes} min, R ${restartMinutes} min, notice ${noticeCheckpoint}`;
            const runSeed = seed++;
            it(`agrees within 3 %: ${label}`, () => {
              const closed = estimate(input);
              const simulated = simulateJob(input, { runs: RUNS, seed: runSeed });
              const wallError = Math.abs(simulated.meanWallHours - closed.expectedWallHours) / closed.expectedWallHours;
              assert.ok(wallError < 0.03, `wall: simulated ${simulated.meanWallHours}, closed ${closed.expectedWallHours}`);
              // Interruptions are rare events on short jobs, so compare them on an absolute floor too.
              const interruptionError = Math.abs(simulated.meanInterruptions - closed.expectedInterruptions);
              assert.ok(interruptionError < 0.03 * closed.expectedInterruptions + 0.05, `interruptions: simulated ${simulated.meanInterruptions}, closed ${closed.expectedInterruptions}`);
              assert.ok(Math.abs(simulated.meanSpotCost - closed.spotCost) / closed.spotCost < 0.03);
            });
          }
        }
      }
    }
  }
});

describe('simulateJob', () => {
  it('repeats itself for a seed and differs across seeds', () => {
    const input = withInput({ interruptionsPerHour: 0.2, computeHours: 10 });
    assert.deepEqual(simulateJob(input, { runs: 200, seed: 7 }), simulateJob(input, { runs: 200, seed: 7 }));
    assert.notEqual(simulateJob(input, { runs: 200, seed: 7 }).meanWallHours, simulateJob(input, { runs: 200, seed: 8 }).meanWallHours);
  });

  it('orders its percentiles and is exact with no interruptions', () => {
    const calm = simulateJob(withInput({ interruptionsPerHour: 0 }), { runs: 50, seed: 1 });
    assert.equal(calm.meanWallHours, 100);
    assert.equal(calm.p90, 100);
    assert.equal(calm.meanInterruptions, 0);
    const rough = simulateJob(withInput({ interruptionsPerHour: 0.2 }), { runs: 500, seed: 1 });
    assert.ok(rough.p50 <= rough.p90);
    assert.ok(rough.p50 > 100);
  });

  it('agrees with the closed form when the job does not checkpoint at all', () => {
    const input = withInput({ computeHours: 10, checkpointMinutes: 0, interruptionsPerHour: 0.1 });
    const closed = estimate(input).expectedWallHours;
    const simulated = simulateJob(input, { runs: 20_000, seed: 3 }).meanWallHours;
    assert.ok(Math.abs(simulated - closed) / closed < 0.03, `${simulated} vs ${closed}`);
  });

  it('agrees with the closed form for a chosen interval, with and without a notice checkpoint', () => {
    for (const noticeCheckpoint of [false, true]) {
      const input = withInput({ computeHours: 20, interruptionsPerHour: 0.3, checkpointMinutes: 3, restartMinutes: 10, checkpointIntervalMinutes: 50, noticeCheckpoint });
      const closed = estimate(input).expectedWallHours;
      const simulated = simulateJob(input, { runs: 5000, seed: 11 }).meanWallHours;
      assert.ok(Math.abs(simulated - closed) / closed < 0.03, `notice ${noticeCheckpoint}: ${simulated} vs ${closed}`);
    }
  });

  it('rejects a run count that is not a positive integer', () => {
    assert.throws(() => simulateJob(withInput({}), { runs: 0, seed: 1 }), RangeError);
  });
});
