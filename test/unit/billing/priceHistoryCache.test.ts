import * as assert from 'node:assert/strict';
import type { PriceChange } from '../../../src/core/billing/accruedCost';
import { PriceHistoryCache } from '../../../src/core/billing/priceHistoryCache';
import type { PriceHistoryKey, SpotPriceHistorySource } from '../../../src/core/billing/priceHistorySource';
import type { Logger } from '../../../src/core/logging/logger';
import { silentLogger } from '../../../src/core/logging/logger';
import { FakeClock, settle } from './fakeClock';

const MINUTE = 60_000;
const POOL: PriceHistoryKey = { region: 'us-east-1', instanceType: 'g5.xlarge', availabilityZone: 'us-east-1a' };

/** A source answering from a fixed market, recording every request; `fail` makes the next calls reject. */
class RecordingSource implements SpotPriceHistorySource {
  calls: Array<{ key: PriceHistoryKey; start: number; end: number }> = [];
  fail = false;
  private release: Array<() => void> = [];
  hold = false;

  constructor(private readonly market: PriceChange[]) {}

  async priceHistory(key: PriceHistoryKey, start: number, end: number): Promise<PriceChange[]> {
    this.calls.push({ key, start, end });
    if (this.hold) await new Promise<void>((resolve) => this.release.push(resolve));
    if (this.fail) throw new Error('RequestLimitExceeded');
    // As EC2 does: the change in effect at `start`, then every change up to `end`.
    const inEffect = this.market.filter((change) => change.timestamp <= start).at(-1);
    return [...(inEffect ? [inEffect] : []), ...this.market.filter((change) => change.timestamp > start && change.timestamp <= end)];
  }

  releaseAll(): void {
    this.release.splice(0).forEach((resolve) => resolve());
  }
}

function cacheWith(source: SpotPriceHistorySource, clock: FakeClock, logger: Logger = silentLogger): PriceHistoryCache {
  return new PriceHistoryCache(source, { clock, ttlMs: 5 * MINUTE, retryMs: 2 * MINUTE, logger });
}

describe('PriceHistoryCache', () => {
  it('answers at once, fetches in the background, and tells readers when the history lands', async () => {
    const clock = new FakeClock(100 * MINUTE);
    const source = new RecordingSource([{ timestamp: 0, usdPerHour: 1 }, { timestamp: 50 * MINUTE, usdPerHour: 2 }]);
    const cache = cacheWith(source, clock);
    const updates: PriceHistoryKey[] = [];
    cache.onDidUpdate((key) => updates.push(key));

    assert.equal(cache.peek(POOL, 40 * MINUTE), undefined, 'nothing known before the first answer');
    assert.equal(cache.peek(POOL, 40 * MINUTE), undefined);
    assert.equal(source.calls.length, 1, 'concurrent readers share one request');
    assert.deepEqual(source.calls[0], { key: POOL, start: 40 * MINUTE, end: 100 * MINUTE });
    await settle();
    assert.deepEqual(updates, [POOL]);
    assert.deepEqual(cache.peek(POOL, 40 * MINUTE), [{ timestamp: 0, usdPerHour: 1 }, { timestamp: 50 * MINUTE, usdPerHour: 2 }]);
    assert.equal(source.calls.length, 1, 'no second request within the TTL');
  });

  it('tops a stale pool up from where it was last read instead of reading it whole', async () => {
    const clock = new FakeClock(100 * MINUTE);
    const market = [{ timestamp: 0, usdPerHour: 1 }];
    const source = new RecordingSource(market);
    const cache = cacheWith(source, clock);
    cache.peek(POOL, 10 * MINUTE);
    await settle();
    market.push({ timestamp: 103 * MINUTE, usdPerHour: 4 });
    clock.time = 106 * MINUTE;
    cache.peek(POOL, 10 * MINUTE);
    assert.deepEqual(source.calls[1], { key: POOL, start: 100 * MINUTE, end: 106 * MINUTE });
    await settle();
    assert.deepEqual(cache.peek(POOL, 10 * MINUTE), [{ timestamp: 0, usdPerHour: 1 }, { timestamp: 103 * MINUTE, usdPerHour: 4 }]);
  });

  it('reads again from further back when a reader needs an earlier start', async () => {
    const clock = new FakeClock(100 * MINUTE);
    const source = new RecordingSource([{ timestamp: 0, usdPerHour: 1 }]);
    const cache = cacheWith(source, clock);
    cache.peek(POOL, 60 * MINUTE);
    await settle();
    cache.peek(POOL, 20 * MINUTE);
    assert.equal(source.calls[1]?.start, 20 * MINUTE);
  });

  it('after a failure fires nothing, logs, and asks again only after the retry delay', async () => {
    const clock = new FakeClock(100 * MINUTE);
    const source = new RecordingSource([{ timestamp: 0, usdPerHour: 1 }]);
    source.fail = true;
    const warnings: string[] = [];
    const cache = cacheWith(source, clock, { ...silentLogger, warn: (message: string) => warnings.push(message) });
    let updates = 0;
    cache.onDidUpdate(() => updates++);
    cache.peek(POOL, 0);
    await settle();
    assert.equal(updates, 0);
    assert.match(warnings.join('\n'), /g5\.xlarge in us-east-1a unavailable: .*RequestLimitExceeded/);
    clock.time += MINUTE;
    assert.equal(cache.peek(POOL, 0), undefined);
    assert.equal(source.calls.length, 1, 'no retry before the delay');
    source.fail = false;
    clock.time += MINUTE;
    cache.peek(POOL, 0);
    assert.equal(source.calls.length, 2);
    await settle();
    assert.equal(updates, 1);
  });

  it('forgets pools nobody uses and ignores answers meant for a previous profile', async () => {
    const clock = new FakeClock(100 * MINUTE);
    const source = new RecordingSource([{ timestamp: 0, usdPerHour: 1 }]);
    const cache = cacheWith(source, clock);
    cache.peek(POOL, 0);
    await settle();
    cache.retain([]);
    assert.equal(cache.peek(POOL, 0), undefined, 'dropped pool starts over');
    assert.equal(source.calls.length, 2);

    source.hold = true;
    const other = { ...POOL, availabilityZone: 'us-east-1b' };
    cache.peek(other, 0);
    const fresh = new RecordingSource([{ timestamp: 0, usdPerHour: 7 }]);
    cache.reset(fresh);
    source.releaseAll();
    await settle();
    cache.peek(other, 0);
    await settle();
    assert.deepEqual(cache.peek(other, 0), [{ timestamp: 0, usdPerHour: 7 }], 'only the new source answers');
  });
});
