import { sessionHours } from './sessionTime';
import type { BoxSession, InterruptionKind } from './usageTypes';

/** Interruptions of one instance type (or one region), next to the spot hours that were exposed to them. */
export interface InterruptionRow {
  readonly key: string;
  readonly notice: number;
  readonly rebalance: number;
  readonly hard: number;
  readonly total: number;
  readonly spotHours: number;
  /** Interruptions per 100 spot hours: comparable across types that ran for different lengths. */
  readonly per100Hours?: number;
}

/**
 * Interruptions grouped by `keyOf` (type or region). Only spot sessions count: on-demand boxes are
 * not interrupted, and their hours would dilute the rate. Keys with no interruption are listed too,
 * with their hours, because "ran 200 h, never interrupted" is the answer a user is looking for.
 */
export function interruptionStats(sessions: readonly BoxSession[], keyOf: (session: BoxSession) => string): InterruptionRow[] {
  const rows = new Map<string, { notice: number; rebalance: number; hard: number; spotHours: number }>();
  for (const session of sessions) {
    if (session.lifecycle !== 'spot') continue;
    const key = keyOf(session);
    const row = rows.get(key) ?? { notice: 0, rebalance: 0, hard: 0, spotHours: 0 };
    row.spotHours += sessionHours(session);
    for (const interruption of session.interruptions) {
      row[interruption.kind satisfies InterruptionKind]++;
    }
    rows.set(key, row);
  }
  return [...rows.entries()]
    .map(([key, row]) => {
      const total = row.notice + row.rebalance + row.hard;
      return { key, ...row, total, per100Hours: row.spotHours > 0 ? (total / row.spotHours) * 100 : undefined };
    })
    .sort((a, b) => b.total - a.total || b.spotHours - a.spotHours || a.key.localeCompare(b.key));
}
