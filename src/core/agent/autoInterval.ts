import { sessionHours } from '../dashboard/sessionTime';
import type { BoxSession } from '../dashboard/usageTypes';
import { posteriorInterruptionsPerHour, PRIOR_WEIGHT_HOURS, type PoolExposure } from '../estimate/observedRate';
import type { Pool } from '../pricing/pricingTypes';
import { autoIntervalMinutes, MAX_AUTO_INTERVAL_MINUTES } from './agentForProfile';

/**
 * The pool "auto" is resolved for. Type + region, not type + zone: the Advisor prior is regional,
 * and the pre-flight picks a region while the fleet picks the zone after the agent is built.
 */
export type AutoIntervalPool = Pick<Pool, 'instanceType' | 'region' | 'interruption'>;

export interface AutoInterval {
  readonly minutes: number;
  /** The posterior rate the interval was chosen for. */
  readonly perHour: number;
  readonly observed: PoolExposure;
  /** Which rate was used and how it became the interval, for the pre-flight and the log. */
  readonly explanation: string;
}

/**
 * Sessions end with an EC2 interruption when a notice was seen on them; one per session, however
 * many notices were journalled. Not counted: rebalance recommendations (a warning, the box often
 * lives on, and it is counted through its notice when it does not), hard losses (without EC2's state
 * reason the ledger cannot tell them from a console termination, as firstHourBilling.ts says), and
 * stops or terminations by the user or idle stop (they carry no interruption record at all).
 */
function endedByEc2(session: BoxSession): boolean {
  return session.interruptions.some((interruption) => interruption.kind === 'notice');
}

/** The spot sessions of the pool in the usage ledger: EC2's interruptions and the hours exposed to them. */
export function observedExposure(sessions: readonly BoxSession[], pool: Pick<Pool, 'instanceType' | 'region'>): PoolExposure {
  let interruptions = 0;
  let hours = 0;
  for (const session of sessions) {
    // On-demand hours are never interrupted: counting them would dilute the spot rate.
    if (session.lifecycle !== 'spot' || session.instanceType !== pool.instanceType || session.region !== pool.region) continue;
    hours += sessionHours(session);
    if (endedByEc2(session)) interruptions++;
  }
  return { interruptions, hours };
}

const formatRate = (perHour: number): string => `${Number(perHour.toPrecision(2))}/h`;
const formatHours = (hours: number): string => `${hours < 10 ? Number(hours.toFixed(1)) : Math.round(hours)} h`;

function priorLabel(rate: Pool['interruption']): string {
  if (rate.source === 'advisor-bucket' && rate.bucket) return `Advisor prior ${rate.bucket}/month`;
  return `${rate.source} prior ${formatRate(rate.perHour)}`;
}

/** The "auto" checkpoint interval for a pool: Daly's optimum at the pool's rate as observed, the Advisor bucket as the prior. */
export function autoIntervalFor(pool: AutoIntervalPool, sessions: readonly BoxSession[]): AutoInterval {
  const observed = observedExposure(sessions, pool);
  const perHour = posteriorInterruptionsPerHour(pool.interruption.perHour, observed);
  const minutes = autoIntervalMinutes(perHour);
  const where = `${pool.instanceType}/${pool.region}`;
  const seen =
    observed.hours > 0
      ? `observed ${observed.interruptions} interruption${observed.interruptions === 1 ? '' : 's'} in ${formatHours(observed.hours)} on ${where}`
      : `no Spotbox history on ${where}`;
  return {
    minutes,
    perHour,
    observed,
    explanation: `${seen}, ${priorLabel(pool.interruption)} (worth ${PRIOR_WEIGHT_HOURS} h) → ${formatRate(perHour)} → checkpoint every ${minutes} min${minutes === MAX_AUTO_INTERVAL_MINUTES ? ' (the 12 h cap)' : ''}`,
  };
}
