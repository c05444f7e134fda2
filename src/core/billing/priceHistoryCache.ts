import { userMessageOf } from '../errors';
import { Emitter } from '../events';
import type { Logger } from '../logging/logger';
import type { Clock, Disposable } from '../time/clock';
import { normalizeHistory, type PriceChange } from './accruedCost';
import { priceHistoryKeyId, type PriceHistoryKey, type SpotPriceHistorySource } from './priceHistorySource';

export interface PriceHistoryCacheOptions {
  readonly clock: Pick<Clock, 'now'>;
  /** How long a pool's history counts as current. The ticker reads every minute; EC2 is asked far less. */
  readonly ttlMs: number;
  /** After a failed fetch, how long before asking EC2 again. */
  readonly retryMs: number;
  readonly logger: Logger;
}

interface Entry {
  changes: PriceChange[];
  /** The history is complete from this time on (the start of the widest fetch). */
  coveredFrom: number;
  /** ...up to this time; 0 until the first fetch lands. */
  fetchedAt: number;
  inFlight: boolean;
  failedAt?: number;
}

/**
 * Spot price history per pool, read synchronously by whoever prices boxes and refreshed in the
 * background: a stale pool is topped up from where it was last read rather than fetched whole, so
 * a box running for weeks costs one long read, then small ones. `onDidUpdate` tells readers to
 * price again; a failure fires nothing, so it cannot start a loop of retries.
 */
export class PriceHistoryCache implements Disposable {
  private readonly updated = new Emitter<PriceHistoryKey>();
  readonly onDidUpdate = this.updated.event;
  private entries = new Map<string, Entry>();

  constructor(
    private source: SpotPriceHistorySource,
    private readonly options: PriceHistoryCacheOptions,
  ) {}

  /** What is known now without waiting, or undefined before the first answer; starts a refresh when due. */
  peek(key: PriceHistoryKey, sinceMs: number): readonly PriceChange[] | undefined {
    const id = priceHistoryKeyId(key);
    const now = this.options.clock.now();
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { changes: [], coveredFrom: Infinity, fetchedAt: 0, inFlight: false };
      this.entries.set(id, entry);
    }
    if (this.isDue(entry, sinceMs, now)) {
      this.refresh(id, key, entry, sinceMs, now);
    }
    return entry.fetchedAt > 0 ? entry.changes : undefined;
  }

  /** Forgets pools no box uses any more, so the cache holds only what is running. */
  retain(keys: readonly PriceHistoryKey[]): void {
    const keep = new Set(keys.map(priceHistoryKeyId));
    for (const id of [...this.entries.keys()]) {
      if (!keep.has(id)) this.entries.delete(id);
    }
  }

  /** Another AWS profile is another account: nothing cached belongs to it. */
  reset(source: SpotPriceHistorySource): void {
    this.source = source;
    this.entries = new Map();
  }

  private isDue(entry: Entry, sinceMs: number, now: number): boolean {
    if (entry.inFlight) return false;
    if (entry.failedAt !== undefined && now - entry.failedAt < this.options.retryMs) return false;
    return entry.fetchedAt === 0 || sinceMs < entry.coveredFrom || now - entry.fetchedAt >= this.options.ttlMs;
  }

  private refresh(id: string, key: PriceHistoryKey, entry: Entry, sinceMs: number, now: number): void {
    // A wider window than cached means a full read from `since`; otherwise only what came since the last read.
    const start = entry.fetchedAt === 0 || sinceMs < entry.coveredFrom ? sinceMs : entry.fetchedAt;
    entry.inFlight = true;
    const entries = this.entries;
    const source = this.source;
    // Wrapped so a source that throws instead of rejecting still ends in the failure branch.
    new Promise<PriceChange[]>((resolve) => resolve(source.priceHistory(key, start, now))).then(
      (changes) => {
        entry.inFlight = false;
        if (entries !== this.entries || this.entries.get(id) !== entry) return;
        entry.changes = normalizeHistory([...entry.changes, ...changes]);
        entry.coveredFrom = Math.min(entry.coveredFrom, start);
        entry.fetchedAt = now;
        entry.failedAt = undefined;
        this.updated.fire(key);
      },
      (error: unknown) => {
        entry.inFlight = false;
        entry.failedAt = now;
        this.options.logger.warn(`spot price history of ${key.instanceType} in ${key.availabilityZone} unavailable: ${userMessageOf(error)}`);
      },
    );
  }

  dispose(): void {
    this.updated.dispose();
    this.entries.clear();
  }
}
