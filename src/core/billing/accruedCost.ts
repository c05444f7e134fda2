/** One spot price change: from `timestamp` on, the pool costs `usdPerHour` until the next change. */
export interface PriceChange {
  /** Epoch milliseconds the price took effect. */
  readonly timestamp: number;
  readonly usdPerHour: number;
}

export interface AccruedCost {
  readonly usd: number;
  /** Whole seconds billed so far, the 60-second minimum included. */
  readonly billedSeconds: number;
  /**
   * Billed seconds before the first known price change. They are charged at that first price
   * because nothing earlier is known (history is kept 90 days; a cache may not reach back yet).
   */
  readonly assumedSeconds: number;
}

/** AWS bills Linux instances, spot and on-demand alike, per second with a one-minute minimum. */
export const MINIMUM_BILLED_SECONDS = 60;

const SECOND_MS = 1000;
const HOUR_SECONDS = 3600;

/**
 * What a box has cost from `startMs` to `endMs`, billed per second: each second is charged the
 * price in effect when it began. The history may start before the launch (EC2 returns the price in
 * effect at StartTime, which usually changed earlier) and may come in any order.
 * Undefined when no price is known at all.
 */
export function accruedCost(startMs: number, endMs: number, history: readonly PriceChange[]): AccruedCost | undefined {
  const changes = normalizeHistory(history);
  const first = changes[0];
  if (first === undefined) {
    return undefined;
  }
  const elapsedSeconds = Math.floor(Math.max(0, endMs - startMs) / SECOND_MS);
  const billedSeconds = elapsedSeconds > 0 ? Math.max(MINIMUM_BILLED_SECONDS, elapsedSeconds) : 0;
  const billedEnd = startMs + billedSeconds * SECOND_MS;
  // Seconds whose start lies in [from, to): the i with from <= start + i·1s < to.
  const secondsStartingIn = (from: number, to: number): number => {
    const lo = Math.max(from, startMs);
    const hi = Math.min(to, billedEnd);
    return hi > lo ? Math.ceil((hi - startMs) / SECOND_MS) - Math.ceil((lo - startMs) / SECOND_MS) : 0;
  };

  const assumedSeconds = secondsStartingIn(-Infinity, first.timestamp);
  let usdSeconds = assumedSeconds * first.usdPerHour;
  changes.forEach((change, index) => {
    const next = changes[index + 1]?.timestamp ?? Infinity;
    usdSeconds += secondsStartingIn(change.timestamp, next) * change.usdPerHour;
  });
  return { usd: usdSeconds / HOUR_SECONDS, billedSeconds, assumedSeconds };
}

/** The price in effect at `timeMs`: the last change at or before it, else the earliest known. */
export function priceAt(history: readonly PriceChange[], timeMs: number): number | undefined {
  const changes = normalizeHistory(history);
  let price = changes[0]?.usdPerHour;
  for (const change of changes) {
    if (change.timestamp > timeMs) break;
    price = change.usdPerHour;
  }
  return price;
}

/** Sorted by time, one entry per instant (the later-listed wins), nonsense prices dropped. */
export function normalizeHistory(history: readonly PriceChange[]): PriceChange[] {
  const byTime = new Map<number, PriceChange>();
  for (const change of history) {
    if (Number.isFinite(change.timestamp) && Number.isFinite(change.usdPerHour) && change.usdPerHour >= 0) {
      byTime.set(change.timestamp, change);
    }
  }
  return [...byTime.values()].sort((a, b) => a.timestamp - b.timestamp);
}
