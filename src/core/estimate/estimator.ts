import { breakEvenInterruptionsPerHour } from './breakEven';
import { planCheckpoints, type CheckpointPlan } from './checkpointPlan';
import type { EstimateInput, EstimateOptions, EstimateResult } from './estimateTypes';
import { expectedWallHours } from './expectedWall';
import { expectedFirstHourFreeHours } from './firstHourFree';
import { simulateJob } from './monteCarlo';
import { assertJobFinishes, validateEstimateInput, validateEstimateOptions } from './validateInput';
import { warningsFor } from './warnings';

export { dalyOptimalIntervalMinutes } from './daly';

/** Enough runs for a p90 good to a few percent, without letting a deadline make estimate() slow. */
const DEADLINE_SIMULATION = { seed: 0x5b0b, drawBudget: 30_000, minRuns: 100, maxRuns: 500 } as const;

/** Each run draws about one number per segment and two per interruption (it, and its restart). */
function deadlineRuns(plan: CheckpointPlan, wallHours: number): number {
  const drawsPerRun = plan.segmentCount + 2 * plan.interruptionsPerHour * wallHours + 1;
  const runs = Math.floor(DEADLINE_SIMULATION.drawBudget / drawsPerRun);
  return Math.min(DEADLINE_SIMULATION.maxRuns, Math.max(DEADLINE_SIMULATION.minRuns, runs));
}

/**
 * Spot against on-demand for one job: the exact expected wall time under Poisson interruptions
 * (expectedWall.ts), what it costs, and the caveats that apply.
 *
 * On-demand is billed for the compute alone (W hours): it is not interrupted, so it needs no
 * periodic checkpoints, and the job's final save is part of W on both. Spot is billed for its
 * whole wall time, restarts and checkpoint writes included, less (on AWS) the time on boxes EC2
 * interrupted in their first hour, which AWS does not charge for (firstHourFree.ts).
 */
export function estimate(input: EstimateInput, options: EstimateOptions = {}): EstimateResult {
  validateEstimateInput(input);
  validateEstimateOptions(options);
  assertJobFinishes(input);
  const plan = planCheckpoints(input);
  const wallHours = expectedWallHours(plan);
  // Only AWS waives a spot instance's first hour when it is the cloud that interrupts it.
  const firstHourFree = (options.cloud ?? 'aws') === 'aws';
  const freeHours = firstHourFree ? expectedFirstHourFreeHours(input.interruptionsPerHour, wallHours) : 0;
  const spotCost = (wallHours - freeHours) * input.spotPricePerHour;
  const onDemandCost = input.computeHours * input.onDemandPricePerHour;
  const savingsPercent = ((onDemandCost - spotCost) / onDemandCost) * 100;
  const pessimisticWallHours =
    options.deadlineHours === undefined ? undefined : simulateJob(input, { runs: deadlineRuns(plan, wallHours), seed: DEADLINE_SIMULATION.seed }).p90;
  return {
    expectedWallHours: wallHours,
    expectedInterruptions: input.interruptionsPerHour * wallHours,
    expectedFreeHours: freeHours,
    checkpointIntervalMinutes: plan.intervalHours * 60,
    spotCost,
    onDemandCost,
    savingsPercent,
    breakEvenInterruptionsPerHour: breakEvenInterruptionsPerHour(input, onDemandCost),
    warnings: warningsFor({ input, options, expectedWallHours: wallHours, savingsPercent, pessimisticWallHours }),
  };
}
