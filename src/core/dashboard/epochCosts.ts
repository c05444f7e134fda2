import type { BoxSession } from './usageTypes';

/** What one training epoch cost on a box, counting every session that reported epochs. */
export interface EpochCostRow {
  readonly boxName: string;
  /** Distinct epochs reported: an epoch redone after a resume counts once. */
  readonly epochs: number;
  readonly spotUsd: number;
  readonly spotPerEpochUsd: number;
  /** Undefined when a session has no on-demand figure. */
  readonly onDemandPerEpochUsd?: number;
}

export interface EpochCostTotals {
  readonly epochs: number;
  readonly spotUsd: number;
  readonly spotPerEpochUsd: number;
  readonly onDemandPerEpochUsd?: number;
}

/**
 * Effective cost per epoch: the whole cost of the sessions that reported epochs (set-up, restarts
 * and redone work included, which is the point) over the epochs they finished. Grouped by box name,
 * since a replacement box keeps the name and carries on the same run.
 */
export function epochCosts(sessions: readonly BoxSession[]): { rows: EpochCostRow[]; totals?: EpochCostTotals } {
  const byName = new Map<string, BoxSession[]>();
  for (const session of sessions) {
    if (session.epochs.length > 0 && session.accruedUsd !== undefined) {
      byName.set(session.boxName, [...(byName.get(session.boxName) ?? []), session]);
    }
  }
  const rows = [...byName.entries()]
    .map(([boxName, own]) => {
      const epochs = new Set(own.flatMap((session) => session.epochs.map((record) => record.epoch))).size;
      const spotUsd = own.reduce((total, session) => total + (session.accruedUsd ?? 0), 0);
      const onDemandKnown = own.every((session) => session.onDemandEquivalentUsd !== undefined);
      const onDemandUsd = own.reduce((total, session) => total + (session.onDemandEquivalentUsd ?? 0), 0);
      return { boxName, epochs, spotUsd, onDemandUsd, onDemandKnown, spotPerEpochUsd: spotUsd / epochs, onDemandPerEpochUsd: onDemandKnown ? onDemandUsd / epochs : undefined };
    })
    .sort((a, b) => a.boxName.localeCompare(b.boxName));
  if (rows.length === 0) return { rows: [] };
  const epochs = rows.reduce((total, row) => total + row.epochs, 0);
  const spotUsd = rows.reduce((total, row) => total + row.spotUsd, 0);
  const onDemandKnown = rows.every((row) => row.onDemandKnown);
  const onDemandUsd = rows.reduce((total, row) => total + row.onDemandUsd, 0);
  return {
    rows: rows.map(({ boxName, epochs: count, spotUsd: cost, spotPerEpochUsd, onDemandPerEpochUsd }) => ({ boxName, epochs: count, spotUsd: cost, spotPerEpochUsd, onDemandPerEpochUsd })),
    totals: { epochs, spotUsd, spotPerEpochUsd: spotUsd / epochs, onDemandPerEpochUsd: onDemandKnown ? onDemandUsd / epochs : undefined },
  };
}
