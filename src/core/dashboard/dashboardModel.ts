import { CLOUD_FACTS, CLOUDS, type CloudId } from '../cloud/clouds';
import { notChargedText } from './dashboardFormat';
import { epochCosts, type EpochCostRow, type EpochCostTotals } from './epochCosts';
import { interruptionStats, type InterruptionRow } from './interruptionStats';
import { monthlyProjection, type MonthlyProjection } from './monthlyProjection';
import { sessionEnd, sessionHours } from './sessionTime';
import type { BoxSession } from './usageTypes';

export interface SavingsTotals {
  /** What the sessions cost (billed per second from spot price history). */
  readonly spotUsd: number;
  /** What the sessions priced both ways would have cost on demand. */
  readonly onDemandUsd: number;
  /** On-demand minus spot, over the sessions priced both ways only. */
  readonly savingsUsd: number;
  /** Savings as a share of the on-demand cost; undefined without an on-demand figure. */
  readonly savingsPercent?: number;
  readonly boxHours: number;
  readonly sessions: number;
  readonly runningSessions: number;
  /** Sessions with no price (or no on-demand price): counted, never taken for free. */
  readonly unpricedSessions: number;
  /** Sessions EC2 reclaimed in their first hour, billed $0, and what AWS waived for them. */
  readonly notChargedSessions: number;
  readonly notChargedUsd: number;
}

/** One box (by name: a replacement after an interruption keeps the name) across its sessions. */
export interface BoxSavingsRow {
  readonly boxName: string;
  readonly sessions: number;
  readonly instanceTypes: readonly string[];
  readonly regions: readonly string[];
  readonly running: boolean;
  readonly hours: number;
  readonly spotUsd: number;
  readonly onDemandUsd: number;
  readonly savingsUsd: number;
  readonly savingsPercent?: number;
  readonly interruptions: number;
  /** This box's sessions EC2 reclaimed in their first hour (billed $0), and what AWS waived. */
  readonly notChargedSessions: number;
  readonly notChargedUsd: number;
  /** Why some of this box's time is billed $0, for the row's tooltip; undefined when none is. */
  readonly notChargedReason?: string;
  /** Epoch milliseconds the box was last seen billable. */
  readonly lastSeenAt: number;
}

/** One cloud's sessions, summed the same way as the totals: the side-by-side comparison of clouds. */
export interface CloudUsageRow {
  readonly cloud: CloudId;
  /** As the cloud names itself: "AWS", "Google Cloud", "Azure". */
  readonly label: string;
  readonly totals: SavingsTotals;
  /** Its spot sessions' interruptions by kind; undefined when it ran on demand only. */
  readonly interruptions?: InterruptionRow;
  /** Its cost per epoch; undefined when none of its sessions reported epochs. */
  readonly epochs?: EpochCostTotals;
}

export interface DashboardModel {
  readonly generatedAt: number;
  /** Nothing recorded yet: the dashboard shows how to start instead of zeros. */
  readonly empty: boolean;
  readonly totals: SavingsTotals;
  /** Most recently used first. */
  readonly boxes: readonly BoxSavingsRow[];
  /** One row per cloud with sessions, in CLOUDS order. */
  readonly byCloud: readonly CloudUsageRow[];
  readonly interruptionsByType: readonly InterruptionRow[];
  /** Keyed by region, prefixed with the cloud's label when the sessions span more than one cloud. */
  readonly interruptionsByRegion: readonly InterruptionRow[];
  readonly epochs: readonly EpochCostRow[];
  readonly epochTotals?: EpochCostTotals;
  readonly projection: MonthlyProjection;
}

interface Sums {
  spotUsd: number;
  onDemandUsd: number;
  savingsUsd: number;
  unpriced: number;
  notChargedSessions: number;
  notChargedUsd: number;
}

function sumCosts(sessions: readonly BoxSession[]): Sums {
  const sums: Sums = { spotUsd: 0, onDemandUsd: 0, savingsUsd: 0, unpriced: 0, notChargedSessions: 0, notChargedUsd: 0 };
  for (const session of sessions) {
    if (session.waiver) {
      sums.notChargedSessions++;
      sums.notChargedUsd += session.waiver.usd;
    }
    if (session.accruedUsd === undefined || session.onDemandEquivalentUsd === undefined) {
      sums.unpriced++;
      sums.spotUsd += session.accruedUsd ?? 0;
      continue;
    }
    sums.spotUsd += session.accruedUsd;
    sums.onDemandUsd += session.onDemandEquivalentUsd;
    sums.savingsUsd += session.onDemandEquivalentUsd - session.accruedUsd;
  }
  return sums;
}

const percentOf = (part: number, whole: number): number | undefined => (whole > 0 ? (part / whole) * 100 : undefined);

function boxRows(sessions: readonly BoxSession[]): BoxSavingsRow[] {
  const byName = new Map<string, BoxSession[]>();
  for (const session of sessions) {
    byName.set(session.boxName, [...(byName.get(session.boxName) ?? []), session]);
  }
  return [...byName.entries()]
    .map(([boxName, own]) => {
      const sums = sumCosts(own);
      return {
        boxName,
        sessions: own.length,
        instanceTypes: [...new Set(own.map((session) => session.instanceType))],
        regions: [...new Set(own.map((session) => session.region))],
        running: own.some((session) => session.end === undefined),
        hours: own.reduce((total, session) => total + sessionHours(session), 0),
        spotUsd: sums.spotUsd,
        onDemandUsd: sums.onDemandUsd,
        savingsUsd: sums.savingsUsd,
        savingsPercent: percentOf(sums.savingsUsd, sums.onDemandUsd),
        interruptions: own.reduce((total, session) => total + session.interruptions.length, 0),
        notChargedSessions: sums.notChargedSessions,
        notChargedUsd: sums.notChargedUsd,
        ...(sums.notChargedSessions > 0 ? { notChargedReason: notChargedText(sums.notChargedSessions, sums.notChargedUsd) } : {}),
        lastSeenAt: Math.max(...own.map(sessionEnd)),
      };
    })
    .sort((a, b) => b.lastSeenAt - a.lastSeenAt || a.boxName.localeCompare(b.boxName));
}

function savingsTotals(sessions: readonly BoxSession[]): SavingsTotals {
  const sums = sumCosts(sessions);
  return {
    spotUsd: sums.spotUsd,
    onDemandUsd: sums.onDemandUsd,
    savingsUsd: sums.savingsUsd,
    savingsPercent: percentOf(sums.savingsUsd, sums.onDemandUsd),
    boxHours: sessions.reduce((total, session) => total + sessionHours(session), 0),
    sessions: sessions.length,
    runningSessions: sessions.filter((session) => session.end === undefined).length,
    unpricedSessions: sums.unpriced,
    notChargedSessions: sums.notChargedSessions,
    notChargedUsd: sums.notChargedUsd,
  };
}

function cloudRows(sessions: readonly BoxSession[]): CloudUsageRow[] {
  return CLOUDS.flatMap((cloud) => {
    const own = sessions.filter((session) => session.cloud === cloud);
    if (own.length === 0) return [];
    const label = CLOUD_FACTS[cloud].label;
    const [interruptions] = interruptionStats(own, () => label);
    const { totals: epochs } = epochCosts(own);
    return [{ cloud, label, totals: savingsTotals(own), ...(interruptions ? { interruptions } : {}), ...(epochs ? { epochs } : {}) }];
  });
}

/** Everything the cost dashboard shows, from the ledger's sessions alone (pure, so it is tested in Node). */
export function buildDashboardModel(sessions: readonly BoxSession[], nowMs: number): DashboardModel {
  const { rows: epochs, totals: epochTotals } = epochCosts(sessions);
  const byCloud = cloudRows(sessions);
  // us-east1 (Google Cloud) and us-east-1 (AWS) read alike: with two clouds, each region says whose it is.
  const regionOf = byCloud.length > 1 ? (session: BoxSession) => `${CLOUD_FACTS[session.cloud].label} ${session.region}` : (session: BoxSession) => session.region;
  return {
    generatedAt: nowMs,
    empty: sessions.length === 0,
    totals: savingsTotals(sessions),
    boxes: boxRows(sessions),
    byCloud,
    interruptionsByType: interruptionStats(sessions, (session) => session.instanceType),
    interruptionsByRegion: interruptionStats(sessions, regionOf),
    epochs,
    epochTotals,
    projection: monthlyProjection(sessions, nowMs),
  };
}
