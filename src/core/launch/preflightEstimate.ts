import { estimate } from '../estimate/estimator';
import type { Pool } from '../pricing/pricingTypes';
import type { CheckpointUploads } from '../throughput/checkpointUploads';
import { noticeFitOf, type NoticeFit } from '../throughput/noticeFit';
import { preflightNoticeFitLine } from '../throughput/noticeFitText';
import { newestUploadsOfProfile } from '../throughput/profileUploads';

/** The job the pre-flight prices: a day of training, the unit users compare offers in. */
export const PREFLIGHT_JOB_HOURS = 24;
const CHECKPOINT_MINUTES = 5;
const RESTART_MINUTES = 10;

/**
 * One line for the launch pre-flight: what a 24-hour job costs on this pool against on-demand,
 * interruptions, checkpoints and restarts counted (not just the price discount). With Spotbox's
 * agent the notice checkpoint limits each interruption's loss to the restart — when it fits in the
 * notice: with `measured` (an earlier launch of the profile) one too big for it is not counted.
 */
export function preflightEstimateLine(pool: Pool, checkpointsOnNotice: boolean, measured?: NoticeFit): string {
  return preflightJobEstimate(pool, checkpointsOnNotice, measured).line;
}

/** The 24-hour job's estimate behind preflightEstimateLine: its expected spot cost (undefined when it cannot be estimated) and the line. */
export function preflightJobEstimate(pool: Pool, checkpointsOnNotice: boolean, measured?: NoticeFit): { readonly spotCostUsd?: number; readonly line: string } {
  try {
    const result = estimate({
      computeHours: PREFLIGHT_JOB_HOURS,
      spotPricePerHour: pool.spot.usdPerHour,
      onDemandPricePerHour: pool.onDemand.usdPerHour,
      interruptionsPerHour: pool.interruption.perHour,
      checkpointMinutes: CHECKPOINT_MINUTES,
      restartMinutes: RESTART_MINUTES,
      noticeCheckpoint: checkpointsOnNotice,
      ...(measured ? { measuredNoticeCheckpoint: { uploadSeconds: measured.uploadSeconds, usableSeconds: measured.usableSeconds } } : {}),
    });
    const uncounted = checkpointsOnNotice && measured !== undefined && !measured.fits ? '; notice checkpoint not counted: too big for the notice' : '';
    const extraMinutes = Math.max(0, (result.expectedWallHours - PREFLIGHT_JOB_HOURS) * 60);
    return {
      spotCostUsd: result.spotCost,
      line:
        `${PREFLIGHT_JOB_HOURS} h job: spot ≈ $${result.spotCost.toFixed(2)} vs on-demand $${result.onDemandCost.toFixed(2)} ` +
        `(saves ${result.savingsPercent.toFixed(0)} %; ${result.expectedInterruptions.toFixed(1)} interruptions expected${pool.interruption.bucket ? ` at ${pool.interruption.bucket}/month` : ''}, +${extraMinutes.toFixed(0)} min${uncounted})`,
    };
  } catch (error) {
    return { line: `${PREFLIGHT_JOB_HOURS} h job: no estimate (${error instanceof Error ? error.message : String(error)})` };
  }
}

/**
 * What earlier launches of this profile measured of its checkpoints, and the pre-flight's line
 * about it (with what to do when the checkpoint is too big for the notice); undefined before any
 * measurement.
 */
export function preflightNoticeFit(
  records: ReadonlyArray<{ readonly boxName: string; readonly checkpointUploads?: CheckpointUploads }>,
  profileName: string,
): { readonly fit: NoticeFit; readonly line: string } | undefined {
  const fit = noticeFitOf(newestUploadsOfProfile(records, profileName));
  return fit ? { fit, line: preflightNoticeFitLine(fit) } : undefined;
}
