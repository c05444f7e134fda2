import { planCheckpoints, type CheckpointPlan } from './checkpointPlan';
import type { EstimateInput } from './estimateTypes';
import { assertJobFinishes, validateEstimateInput } from './validateInput';
import { exponential, mulberry32 } from './random';

const FIRST_HOUR = 1;

export interface SimulationOptions {
  readonly runs: number;
  readonly seed: number;
}

export interface SimulationResult {
  readonly meanWallHours: number;
  readonly p50: number;
  readonly p90: number;
  readonly meanInterruptions: number;
  /** Hours on boxes EC2 interrupted in their first hour, which AWS does not charge for. */
  readonly meanFreeHours: number;
  readonly meanSpotCost: number;
}

interface Clock {
  hours: number;
  interruptions: number;
  /** When the box in use was launched: every interruption starts a new one. */
  boxStartedAt: number;
  freeHours: number;
}

/** The box is reclaimed now; if it is not yet an hour old, AWS charges nothing for it. */
function interrupt(clock: Clock): void {
  clock.interruptions += 1;
  const age = clock.hours - clock.boxStartedAt;
  if (age < FIRST_HOUR) {
    clock.freeHours += age;
  }
  clock.boxStartedAt = clock.hours;
}

/** A restart struck by an interruption starts over, exactly as expectedWall.ts assumes. */
function restart(clock: Clock, plan: CheckpointPlan, uniform: () => number): void {
  for (;;) {
    const untilInterruption = exponential(uniform, plan.interruptionsPerHour);
    if (untilInterruption >= plan.restartHours) {
      clock.hours += plan.restartHours;
      return;
    }
    clock.hours += untilInterruption;
    interrupt(clock);
  }
}

/** Without a notice checkpoint, a struck segment loses everything since the last checkpoint. */
function runSegmentUntilDone(clock: Clock, plan: CheckpointPlan, segmentHours: number, uniform: () => number): void {
  for (;;) {
    const untilInterruption = exponential(uniform, plan.interruptionsPerHour);
    if (untilInterruption >= segmentHours) {
      clock.hours += segmentHours;
      return;
    }
    clock.hours += untilInterruption;
    interrupt(clock);
    restart(clock, plan, uniform);
  }
}

/** With a notice checkpoint, every hour of up time (work and periodic writes) is kept. */
function runKeepingProgress(clock: Clock, plan: CheckpointPlan, upHours: number, uniform: () => number): void {
  let remaining = upHours;
  for (;;) {
    const untilInterruption = exponential(uniform, plan.interruptionsPerHour);
    if (untilInterruption >= remaining) {
      clock.hours += remaining;
      return;
    }
    clock.hours += untilInterruption;
    remaining -= untilInterruption;
    interrupt(clock);
    restart(clock, plan, uniform);
  }
}

function simulateOnce(plan: CheckpointPlan, uniform: () => number): Clock {
  const clock: Clock = { hours: 0, interruptions: 0, boxStartedAt: 0, freeHours: 0 };
  if (plan.noticeCheckpoint) {
    runKeepingProgress(clock, plan, plan.computeHours + (plan.segmentCount - 1) * plan.checkpointHours, uniform);
    return clock;
  }
  for (let segment = 1; segment < plan.segmentCount; segment++) {
    runSegmentUntilDone(clock, plan, plan.intervalHours + plan.checkpointHours, uniform);
  }
  runSegmentUntilDone(clock, plan, plan.lastSegmentHours, uniform);
  return clock;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, percent: number): number {
  const rank = Math.ceil((percent / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? NaN;
}

/**
 * An event-driven simulation of the job under the same model as the closed form (same checkpoint
 * plan, failures during work, checkpoint writes and restarts alike): a check on the formula, and
 * the source of percentiles the formula cannot give.
 */
export function simulateJob(input: EstimateInput, options: SimulationOptions): SimulationResult {
  validateEstimateInput(input);
  assertJobFinishes(input);
  if (!Number.isInteger(options.runs) || options.runs < 1) {
    throw new RangeError(`runs must be a positive integer, got ${options.runs}`);
  }
  const plan = planCheckpoints(input);
  const uniform = mulberry32(options.seed);
  const walls = new Float64Array(options.runs);
  let totalInterruptions = 0;
  let totalFreeHours = 0;
  for (let run = 0; run < options.runs; run++) {
    const clock = simulateOnce(plan, uniform);
    walls[run] = clock.hours;
    totalInterruptions += clock.interruptions;
    totalFreeHours += clock.freeHours;
  }
  const meanWallHours = walls.reduce((sum, wall) => sum + wall, 0) / options.runs;
  walls.sort();
  return {
    meanWallHours,
    p50: percentile(walls, 50),
    p90: percentile(walls, 90),
    meanInterruptions: totalInterruptions / options.runs,
    meanFreeHours: totalFreeHours / options.runs,
    // Billed as on AWS, the estimator's default cloud.
    meanSpotCost: (meanWallHours - totalFreeHours / options.runs) * input.spotPricePerHour,
  };
}
