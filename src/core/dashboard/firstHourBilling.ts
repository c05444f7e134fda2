import { firstHourWaiver, reclaimedInFirstHour, SPOT_NOTICE_LEAD_MS } from '../billing/firstHourInterruption';
import { sessionEnd } from './sessionTime';
import type { BoxSession } from './usageTypes';

/** How long after the action time a reclaimed box may still be seen billable (the box list lags). */
const LAST_SIGHTING_SLACK_MS = 5 * 60_000;

/**
 * A spot session EC2 reclaimed in its first hour is billed $0, as AWS bills it: either the cost
 * tracker said so (it saw the notice's action time), or a notice recorded on the session ends it
 * within the hour (EC2 acts two minutes after the notice; the agent's notice time is never earlier
 * than the real one, so this never waives a box that turned one hour old) — a box still seen
 * running well after that was not ended by it. Sticky: a later figure
 * without the waiver only raises what was waived. A hard termination is not waived here: without
 * EC2's state reason the ledger cannot tell it from a termination in the console. The waiver is
 * AWS's rule; Google Cloud and Azure have no first-hour waiver, so their sessions are never waived.
 */
export function withFirstHourWaiver(session: BoxSession): BoxSession {
  const endedByNotice = (noticeTime: number): boolean => sessionEnd(session) <= noticeTime + SPOT_NOTICE_LEAD_MS + LAST_SIGHTING_SLACK_MS;
  const noticedInFirstHour =
    session.lifecycle === 'spot' &&
    session.cloud === 'aws' &&
    session.interruptions.some((interruption) => interruption.kind === 'notice' && reclaimedInFirstHour(session.start, interruption.time + SPOT_NOTICE_LEAD_MS) && endedByNotice(interruption.time));
  if (session.waiver === undefined && !noticedInFirstHour) {
    return session;
  }
  const wouldHaveCost = Math.max(session.waiver?.usd ?? 0, session.accruedUsd ?? 0);
  return { ...session, accruedUsd: 0, waiver: firstHourWaiver(wouldHaveCost) };
}
