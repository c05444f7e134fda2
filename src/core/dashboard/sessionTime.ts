import type { BoxSession } from './usageTypes';

const HOUR_MS = 3_600_000;

/** Where a session's billed time stops: its end, or the last time it was seen running. */
export function sessionEnd(session: BoxSession): number {
  return session.end ?? session.lastSeenAt;
}

export function sessionHours(session: BoxSession): number {
  return Math.max(0, sessionEnd(session) - session.start) / HOUR_MS;
}
