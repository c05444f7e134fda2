import { planCheckpoints } from './checkpointPlan';
import { EstimateInputError, type EstimateInput, type EstimateOptions } from './estimateTypes';
import { expectedWallHours } from './expectedWall';

/**
 * In the exact model a job always finishes eventually, just exponentially later as the rate grows,
 * so "never finishes" is a practical line: interruptions stretching the job to more than this many
 * times its interruption-free wall time. Past it the estimate is no guide to anything.
 */
export const NEVER_FINISHES_SLOWDOWN = 100;

type NumericField = 'computeHours' | 'spotPricePerHour' | 'onDemandPricePerHour' | 'interruptionsPerHour' | 'checkpointMinutes' | 'restartMinutes';

const NON_NEGATIVE_FIELDS: readonly NumericField[] = ['computeHours', 'spotPricePerHour', 'onDemandPricePerHour', 'interruptionsPerHour', 'checkpointMinutes', 'restartMinutes'];

function requireNonNegativeNumber(field: keyof EstimateInput | keyof EstimateOptions, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EstimateInputError(field, `${field} must be a finite number, got ${String(value)}.`);
  }
  if (value < 0) {
    throw new EstimateInputError(field, `${field} must not be negative, got ${value}.`);
  }
  return value;
}

/** Checks each field on its own; JavaScript callers (the CLI, a webview) get the same checks. */
export function validateEstimateInput(input: EstimateInput): void {
  for (const field of NON_NEGATIVE_FIELDS) {
    requireNonNegativeNumber(field, input[field]);
  }
  if (input.computeHours === 0) {
    throw new EstimateInputError('computeHours', 'computeHours must be more than 0.');
  }
  // Savings are a fraction of the on-demand cost, so a free on-demand price has no savings.
  if (input.onDemandPricePerHour === 0) {
    throw new EstimateInputError('onDemandPricePerHour', 'onDemandPricePerHour must be more than 0.');
  }
  if (input.checkpointIntervalMinutes !== undefined && requireNonNegativeNumber('checkpointIntervalMinutes', input.checkpointIntervalMinutes) === 0) {
    throw new EstimateInputError('checkpointIntervalMinutes', 'checkpointIntervalMinutes must be more than 0 when given.');
  }
  if (input.measuredNoticeCheckpoint !== undefined) {
    requireNonNegativeNumber('measuredNoticeCheckpoint', input.measuredNoticeCheckpoint.uploadSeconds);
    requireNonNegativeNumber('measuredNoticeCheckpoint', input.measuredNoticeCheckpoint.usableSeconds);
  }
  if (typeof input.noticeCheckpoint !== 'boolean') {
    throw new EstimateInputError('noticeCheckpoint', `noticeCheckpoint must be true or false, got ${String(input.noticeCheckpoint)}.`);
  }
}

export function validateEstimateOptions(options: EstimateOptions): void {
  if (options.deadlineHours !== undefined && requireNonNegativeNumber('deadlineHours', options.deadlineHours) === 0) {
    throw new EstimateInputError('deadlineHours', 'deadlineHours must be more than 0 when given.');
  }
}

/** Whether the plan's expected wall time at this rate stays within NEVER_FINISHES_SLOWDOWN. */
export function finishesAt(input: EstimateInput, interruptionsPerHour: number): boolean {
  const wall = expectedWallHours(planCheckpoints(input, interruptionsPerHour));
  const undisturbed = expectedWallHours(planCheckpoints(input, 0));
  return Number.isFinite(wall) && wall <= NEVER_FINISHES_SLOWDOWN * undisturbed;
}

export function assertJobFinishes(input: EstimateInput): void {
  if (!finishesAt(input, input.interruptionsPerHour)) {
    const advice = input.checkpointMinutes === 0 && !input.noticeCheckpoint ? ' checkpoint the job,' : '';
    throw new EstimateInputError(
      'interruptionsPerHour',
      `interruptionsPerHour ${input.interruptionsPerHour} is a rate so high the job never finishes (over ${NEVER_FINISHES_SLOWDOWN}x its uninterrupted time):${advice} pick a steadier pool or use on-demand.`,
    );
  }
}
