import * as assert from 'node:assert/strict';
import { estimate } from '../../../src/core/estimate/estimator';
import { expectedFirstHourFreeHours } from '../../../src/core/estimate/firstHourFree';
import { simulateJob } from '../../../src/core/estimate/monteCarlo';
import { withInput } from './fixtures';

describe('Estimate: boxes EC2 interrupts in their first hour are free on AWS', () => {
  // High rates, where the refund is large enough to measure; real pools refund about 0.1 %.
  for (const computeHours of [3, 20]) {
    for (const interruptionsPerHour of [0.2, 1]) {
      for (const noticeCheckpoint of [false, true]) {
        const label = `W ${computeHours} h, lambda ${interruptionsPerHour}/h, notice ${noticeCheckpoint}`;
        it(`the closed-form refund agrees with the simulation: ${label}`, () => {
          const input = withInput({ computeHours, interruptionsPerHour, noticeCheckpoint, checkpointMinutes: 5, restartMinutes: 10 });
          const closed = estimate(input);
          const simulated = simulateJob(input, { runs: 4000, seed: 7 });
          const tolerance = 0.05 * closed.expectedFreeHours + 0.01 * closed.expectedWallHours;
          assert.ok(Math.abs(simulated.meanFreeHours - closed.expectedFreeHours) < tolerance, `simulated ${simulated.meanFreeHours} h free, closed ${closed.expectedFreeHours} h`);
          assert.ok(Math.abs(simulated.meanSpotCost - closed.spotCost) / closed.spotCost < 0.03, `cost: simulated ${simulated.meanSpotCost}, closed ${closed.spotCost}`);
        });
      }
    }
  }

  it('overstates the refund of a job shorter than an hour at implausible rates, by under 20 % (the documented bias)', () => {
    // A job struck often runs longer, so its boxes die younger than the closed form's ages assume.
    const input = withInput({ computeHours: 0.5, interruptionsPerHour: 1, checkpointMinutes: 5, restartMinutes: 10 });
    const closed = estimate(input);
    const simulated = simulateJob(input, { runs: 4000, seed: 7 });
    assert.ok(closed.expectedFreeHours >= simulated.meanFreeHours, 'over, never under');
    assert.ok(closed.expectedFreeHours < 1.2 * simulated.meanFreeHours, `simulated ${simulated.meanFreeHours} h free, closed ${closed.expectedFreeHours} h`);
  });

  it('is left out of the spot cost, and only on AWS', () => {
    const input = withInput({ interruptionsPerHour: 0.5 });
    const aws = estimate(input);
    assert.ok(aws.expectedFreeHours > 0);
    assert.ok(Math.abs(aws.spotCost - (aws.expectedWallHours - aws.expectedFreeHours) * input.spotPricePerHour) < 1e-9);
    const gcp = estimate(input, { cloud: 'gcp' });
    assert.equal(gcp.expectedFreeHours, 0);
    assert.ok(Math.abs(gcp.spotCost - gcp.expectedWallHours * input.spotPricePerHour) < 1e-9);
  });

  it('is nothing without interruptions, and about (lambda h)^2 / 2 of the time for a real pool', () => {
    assert.equal(expectedFirstHourFreeHours(0, 100), 0);
    const free = expectedFirstHourFreeHours(0.041, 100);
    assert.ok(Math.abs(free / 100 - 0.041 ** 2 / 2) < 0.0002, `${free} h of 100`);
    // A job shorter than an hour: its one box is free if EC2 takes it at all.
    assert.ok(Math.abs(expectedFirstHourFreeHours(1, 0.5) - (0.5 - (1 - Math.exp(-0.5)))) < 1e-12);
  });
});
