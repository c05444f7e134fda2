/**
 * A pool's interruption rate learnt from what Spotbox has seen on it, with a published rate (the
 * Spot Advisor bucket) as the prior: the conjugate Gamma–Poisson update.
 *
 * Interruptions are a Poisson process of rate lambda per hour; the prior is Gamma(alpha, beta)
 * with mean lambda0 = alpha / beta. After n interruptions in H exposed hours the posterior is
 * Gamma(alpha + n, beta + H), whose mean is
 *
 *   lambda = (alpha + n) / (beta + H) = (beta / (beta + H)) * lambda0 + (H / (beta + H)) * (n / H)
 *
 * a weighted average of the prior rate and the observed rate, weighted by hours. beta is therefore
 * "how many of the user's own pool-hours the prior is worth".
 */

/**
 * The prior's weight, beta, in pool-hours. 100 h (about four days of one box) because:
 * - the Advisor bucket is coarse (a factor of two wide, or open-ended above 20 %), regional rather
 *   than per zone, and a month-old average over every customer's instances, so a user's own
 *   pool can sit far from it — a few days of their own running should outweigh it;
 * - yet one early interruption should not swing the interval to its floor: with 100 h, an
 *   interruption in the first hour gives ~1/101 per hour (a save about every 4 h), where a
 *   10-hour prior would give 1/11 per hour (a save about every 80 min);
 * - and a clear pattern wins within a week: one a day for 7 days gives 0.026/h against the
 *   observed 0.042/h, where a one-month prior (730 h) would still say 0.008/h.
 * The Advisor's rates are so low (1e-4/h for "5-10%") that alpha = lambda0 * beta is far below 1:
 * hours without an interruption pull the rate under the Advisor's, but intervals at those rates
 * are already at the 12-hour cap, so only observed interruptions change a checkpoint interval.
 */
export const PRIOR_WEIGHT_HOURS = 100;

/** What one pool has been through: interruptions EC2 made, and the spot hours exposed to them. */
export interface PoolExposure {
  readonly interruptions: number;
  readonly hours: number;
}

/** The posterior mean interruptions per hour: the prior with no exposure, the observed rate as hours grow. */
export function posteriorInterruptionsPerHour(priorPerHour: number, observed: PoolExposure, priorWeightHours = PRIOR_WEIGHT_HOURS): number {
  if (!(Number.isFinite(priorPerHour) && priorPerHour >= 0)) throw new Error(`A prior interruption rate must be a number >= 0 per hour, got ${priorPerHour}`);
  if (!(Number.isFinite(priorWeightHours) && priorWeightHours > 0)) throw new Error(`A prior weight must be > 0 hours, got ${priorWeightHours}`);
  if (!(Number.isInteger(observed.interruptions) && observed.interruptions >= 0)) throw new Error(`Observed interruptions must be a whole number >= 0, got ${observed.interruptions}`);
  if (!(Number.isFinite(observed.hours) && observed.hours >= 0)) throw new Error(`Observed hours must be a number >= 0, got ${observed.hours}`);
  const alpha = priorPerHour * priorWeightHours;
  return (alpha + observed.interruptions) / (priorWeightHours + observed.hours);
}
