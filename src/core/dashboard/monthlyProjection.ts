import { sessionEnd } from './sessionTime';
import type { BoxSession } from './usageTypes';

const DAY_MS = 24 * 3_600_000;
export const PROJECTION_WINDOW_DAYS = 7;
export const PROJECTION_MONTH_DAYS = 30;

/** Last week's usage scaled to a month: a projection, and the dashboard says on what it rests. */
export interface MonthlyProjection {
  readonly windowDays: number;
  readonly monthDays: number;
  readonly windowSpotUsd: number;
  readonly windowOnDemandUsd: number;
  readonly windowSavingsUsd: number;
  readonly projectedSpotUsd: number;
  readonly projectedSavingsUsd: number;
  /** Days of the window the ledger covers: a ledger younger than the window counts its earlier days as idle. */
  readonly coveredDays: number;
}

/**
 * Savings of the last `windowDays`, scaled to `monthDays`. A session that straddles the window's
 * start counts with the share of its time inside the window (its price taken as even over the run,
 * since the ledger keeps one total per session).
 */
export function monthlyProjection(sessions: readonly BoxSession[], nowMs: number, windowDays = PROJECTION_WINDOW_DAYS, monthDays = PROJECTION_MONTH_DAYS): MonthlyProjection {
  const windowStart = nowMs - windowDays * DAY_MS;
  let windowSpotUsd = 0;
  let windowOnDemandUsd = 0;
  let windowSavingsUsd = 0;
  for (const session of sessions) {
    const end = Math.min(sessionEnd(session), nowMs);
    const duration = end - session.start;
    const overlap = Math.max(0, end - Math.max(session.start, windowStart));
    const share = duration > 0 ? overlap / duration : session.start >= windowStart && session.start <= nowMs ? 1 : 0;
    if (share === 0 || session.accruedUsd === undefined) continue;
    windowSpotUsd += share * session.accruedUsd;
    if (session.onDemandEquivalentUsd !== undefined) {
      windowOnDemandUsd += share * session.onDemandEquivalentUsd;
      windowSavingsUsd += share * (session.onDemandEquivalentUsd - session.accruedUsd);
    }
  }
  const earliest = Math.min(...sessions.map((session) => session.start), nowMs);
  const scale = monthDays / windowDays;
  return {
    windowDays,
    monthDays,
    windowSpotUsd,
    windowOnDemandUsd,
    windowSavingsUsd,
    projectedSpotUsd: windowSpotUsd * scale,
    projectedSavingsUsd: windowSavingsUsd * scale,
    coveredDays: Math.min(windowDays, Math.max(0, nowMs - earliest) / DAY_MS),
  };
}
