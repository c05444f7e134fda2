import { estimate } from '../estimate/estimator';
import type { Pool } from '../pricing/pricingTypes';

/** The job the pre-flight prices: a day of training, the unit users compare offers in. */
export const PREFLIGHT_JOB_HOURS = 24;
const CHECKPOINT_MINUTES = 5;
const RESTART_MINUTES = 10;

/**
 * One line for the launch pre-flight: what a 24-hour job costs on this pool against on-demand,
 * interruptions, checkpoints and restarts counted (not just the price discount). With Spotbox's
 * agent the notice checkpoint limits each interruption's loss to the restart.
 */
export function preflightEstimateLine(pool: Pool, checkpointsOnNotice: boolean): string {
  try {
    const result = estimate({
      computeHours: PREFLIGHT_JOB_HOURS,
      spotPricePerHour: pool.spot.usdPerHour,
      onDemandPricePerHour: pool.onDemand.usdPerHour,
      interruptionsPerHour: pool.interruption.perHour,
      checkpointMinutes: CHECKPOINT_MINUTES,
      restartMinutes: RESTART_MINUTES,
      noticeCheckpoint: checkpointsOnNotice,
    });
    const extraMinutes = Math.max(0, (result.expectedWallHours - PREFLIGHT_JOB_HOURS) * 60);
    return (
      `${PREFLIGHT_JOB_HOURS} h job: spot ≈ $${result.spotCost.toFixed(2)} vs on-demand $${result.onDemandCost.toFixed(2)} ` +
      `(saves ${result.savingsPercent.toFixed(0)} %; ${result.expectedInterruptions.toFixed(1)} interruptions expected${pool.interruption.bucket ? ` at ${pool.interruption.bucket}/month` : ''}, +${extraMinutes.toFixed(0)} min)`
    );
  } catch (error) {
    return `${PREFLIGHT_JOB_HOURS} h job: no estimate (${error instanceof Error ? error.message : String(error)})`;
  }
}
