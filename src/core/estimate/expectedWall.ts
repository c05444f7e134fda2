import type { CheckpointPlan } from './checkpointPlan';

/**
 * The exact expected wall time of a checkpoint plan when interruptions are a Poisson process of
 * rate lambda over ALL wall time (work, checkpoint writes and restarts alike), as in Daly 2006.
 *
 * A restart must run R uninterrupted; one struck midway starts over. Its expected length is the
 * classic "wait for a gap of R" result:  E[B] = (e^{lambda R} - 1) / lambda.
 *
 * Without a notice checkpoint, a segment of s hours (tau of work plus C of checkpoint) is likewise
 * retried until it runs s uninterrupted, paying a restart after each failure. Conditioning on the
 * first failure X ~ Exp(lambda):
 *   E[S] = E[min(X, s)] + P(X < s) (E[B] + E[S])
 *        = (1 - e^{-lambda s}) / lambda + (1 - e^{-lambda s}) (e^{lambda R} - 1) / lambda
 *          + (1 - e^{-lambda s}) E[S]
 *   =>  E[S] = e^{lambda R} (e^{lambda s} - 1) / lambda  =  M e^{R/M} (e^{s/M} - 1),  M = 1/lambda,
 * which is Daly's T_w = M e^{R/M} (e^{(tau+C)/M} - 1) W/tau once summed over W/tau segments. We
 * sum the real segments instead: (n - 1) of tau + C, then the last, shorter one with no checkpoint.
 *
 * With a notice checkpoint no work is lost, so the job needs U = W + (n - 1) C hours of up time.
 * Interruptions arrive at lambda during it (lambda U of them on average), each followed by a restart
 * block, so  E[T] = U + lambda U E[B] = U e^{lambda R}.  The notice checkpoint itself is written in
 * the notice window, which is part of R (R runs from the interruption to training again).
 * (The first-order U / (1 - lambda R) has a pole at lambda R = 1; the exact form has none: a job
 * gets exponentially slower, it does not stop finishing at a threshold.)
 */
export function expectedWallHours(plan: CheckpointPlan): number {
  const lambda = plan.interruptionsPerHour;
  const fullSegments = plan.segmentCount - 1;
  const fullSegmentHours = plan.intervalHours + plan.checkpointHours;
  if (plan.noticeCheckpoint) {
    const upHours = plan.computeHours + fullSegments * plan.checkpointHours;
    return upHours * Math.exp(lambda * plan.restartHours);
  }
  if (lambda === 0) {
    return fullSegments * fullSegmentHours + plan.lastSegmentHours;
  }
  // expm1 keeps (e^x - 1) / lambda accurate for the tiny rates real pools have.
  const retriesUntil = (hours: number): number => Math.expm1(lambda * hours) / lambda;
  // Skipping an empty term avoids 0 * Infinity = NaN when rates overflow the exponential.
  const fullSegmentsHours = fullSegments === 0 ? 0 : fullSegments * retriesUntil(fullSegmentHours);
  return Math.exp(lambda * plan.restartHours) * (fullSegmentsHours + retriesUntil(plan.lastSegmentHours));
}
