/**
 * An independent reference for per-second billing, written the slow, obvious way: every billed
 * second priced one by one by scanning the history. The unit tests compare accruedCost with it over
 * random histories; the integration tests use it on the sandbox's real price history.
 */
export function referenceCostUsd(startMs: number, endMs: number, history: ReadonlyArray<{ timestamp: number; usdPerHour: number }>): number {
  const sorted = [...history].sort((a, b) => a.timestamp - b.timestamp);
  const elapsed = Math.floor(Math.max(0, endMs - startMs) / 1000);
  const billed = elapsed > 0 ? Math.max(60, elapsed) : 0;
  let usd = 0;
  for (let i = 0; i < billed; i++) {
    const at = startMs + i * 1000;
    let price = sorted[0]?.usdPerHour ?? Number.NaN;
    for (const change of sorted) if (change.timestamp <= at) price = change.usdPerHour;
    usd += price / 3600;
  }
  return usd;
}

/** Billed seconds as AWS counts them: whole seconds, at least one minute once running. */
export function referenceBilledSeconds(startMs: number, endMs: number): number {
  const elapsed = Math.floor(Math.max(0, endMs - startMs) / 1000);
  return elapsed > 0 ? Math.max(60, elapsed) : 0;
}
