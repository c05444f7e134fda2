import { dalyOptimalIntervalMinutes } from './daly';
import type { EstimateInput } from './estimateTypes';
import { noticeCheckpointCounts } from './noticeCheckpointFit';

/**
 * How the job's compute is cut into segments, each ended by a periodic checkpoint except the last:
 * the job's final save is part of its compute, as it is on on-demand, so it is not a checkpoint.
 * Hence (segmentCount - 1) checkpoints, and a last segment of whatever work is left (<= interval).
 */
export interface CheckpointPlan {
  readonly computeHours: number;
  readonly intervalHours: number;
  readonly segmentCount: number;
  readonly lastSegmentHours: number;
  readonly checkpointHours: number;
  readonly restartHours: number;
  readonly interruptionsPerHour: number;
  readonly noticeCheckpoint: boolean;
}

/** Guards ceil() against W/tau landing a rounding error above an integer. */
const SEGMENT_ROUNDING_SLACK = 1e-9;

/**
 * The interval the job checkpoints at:
 * - the caller's interval when given (even with a notice checkpoint: a safety net they chose);
 * - none (one segment) when checkpointMinutes is 0: a job that reports no checkpoint cost is a job
 *   that does not checkpoint, and an interruption restarts it from scratch;
 * - none with a notice checkpoint that fits the notice: it already saves all work, and periodic
 *   writes would only add their cost;
 * - otherwise Daly's optimum for the pool's rate (none when the rate is 0).
 */
function intervalHoursFor(input: EstimateInput, interruptionsPerHour: number): number {
  if (input.checkpointIntervalMinutes !== undefined) {
    return input.checkpointIntervalMinutes / 60;
  }
  if (input.checkpointMinutes === 0 || noticeCheckpointCounts(input)) {
    return Infinity;
  }
  return dalyOptimalIntervalMinutes(input.checkpointMinutes, 1 / interruptionsPerHour) / 60;
}

/** The plan at a given rate; the break-even search re-plans at each rate it tries. */
export function planCheckpoints(input: EstimateInput, interruptionsPerHour = input.interruptionsPerHour): CheckpointPlan {
  const work = input.computeHours;
  const interval = Math.min(intervalHoursFor(input, interruptionsPerHour), work);
  const segmentCount = Math.max(1, Math.ceil(work / interval - SEGMENT_ROUNDING_SLACK));
  return {
    computeHours: work,
    intervalHours: interval,
    segmentCount,
    lastSegmentHours: Math.max(0, work - (segmentCount - 1) * interval),
    checkpointHours: input.checkpointMinutes / 60,
    restartHours: input.restartMinutes / 60,
    interruptionsPerHour,
    noticeCheckpoint: noticeCheckpointCounts(input),
  };
}
