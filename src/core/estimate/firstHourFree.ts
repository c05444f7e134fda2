import { FIRST_INSTANCE_HOUR_MS } from '../billing/firstHourInterruption';

const FIRST_HOUR = FIRST_INSTANCE_HOUR_MS / 3_600_000;

/**
 * Expected hours of the job spent on boxes EC2 interrupts before they are one hour old, which AWS
 * does not charge for (a Linux spot instance EC2 interrupts in its first instance hour is free).
 *
 * The model's interruptions are a Poisson process of rate lambda over wall time, and each one
 * starts a new box, so a box's age at time t is min(t, X) with X ~ Exp(lambda). A box EC2 takes at
 * age a < 1 h refunds a hours. The refunds arrive at rate lambda times E[a; a < 1 h], so over a job
 * of T hours they sum to lambda * integral_0^T g(t) dt with
 *   g(t) = (1 - e^{-lambda t}) / lambda                     for t < 1 h (the first box),
 *   g(t) = (1 - e^{-lambda} (1 + lambda)) / lambda          for t >= 1 h,
 * which gives, for T >= 1 h:  1 - (1 - e^{-lambda}) / lambda + (T - 1)(1 - e^{-lambda}(1 + lambda)),
 * and for T < 1 h:            T - (1 - e^{-lambda T}) / lambda.
 * Assumption: T is taken at its expected value, as if the job's length did not depend on when the
 * interruptions fell (it does: a job struck often runs longer). The Monte-Carlo simulator, which
 * refunds each simulated box exactly, checks it (test/unit/estimate/firstHourFree.test.ts): within
 * 5 % of the refund for jobs of 3 h and more up to one interruption an hour; for a job under an hour
 * at such rates it overstates the refund by up to 20 %. For real pools (lambda of a few % per hour)
 * the refund is about (lambda h)^2 / 2 of the wall time: under 0.1 %.
 */
export function expectedFirstHourFreeHours(interruptionsPerHour: number, wallHours: number): number {
  const lambda = interruptionsPerHour;
  if (!(lambda > 0) || !(wallHours > 0) || !Number.isFinite(wallHours)) {
    return 0;
  }
  // -expm1(-x) = 1 - e^{-x}, accurate for the tiny rates real pools have.
  const firstBox = (hours: number): number => hours - -Math.expm1(-lambda * hours) / lambda;
  if (wallHours < FIRST_HOUR) {
    return firstBox(wallHours);
  }
  const freeShareAfterFirstHour = -Math.expm1(-lambda * FIRST_HOUR) - lambda * FIRST_HOUR * Math.exp(-lambda * FIRST_HOUR);
  return firstBox(FIRST_HOUR) + (wallHours - FIRST_HOUR) * freeShareAfterFirstHour;
}
