import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import type { Catalogs } from '../../../src/core/pricing/catalogTypes';
import { PriceService } from '../../../src/core/pricing/priceService';
import type { OnDemandPriceSource, OnDemandQuote, SpotPriceSource } from '../../../src/core/pricing/pricingTypes';

const RESOURCES = path.resolve(__dirname, '../../../../resources/prices');

/** On-demand prices from a table, read "now"; records calls; regions in `failing` throw. */
class FakeOnDemandPrices implements OnDemandPriceSource {
  readonly calls: Array<{ region: string; types: readonly string[] }> = [];
  readonly failing = new Map<string, Error>();
  constructor(
    private readonly prices: Record<string, Record<string, number>>,
    private readonly now: () => number,
  ) {}

  async onDemandPrices(region: string, instanceTypes: readonly string[]): Promise<Map<string, OnDemandQuote>> {
    this.calls.push({ region, types: instanceTypes });
    const failure = this.failing.get(region);
    if (failure) throw failure;
    const known = this.prices[region] ?? {};
    return new Map(instanceTypes.filter((type) => type in known).map((type) => [type, { usdPerHour: known[type], fetchedAt: this.now() }]));
  }
}

const spot: SpotPriceSource = {
  latestSpotPrices: async (region, types) => types.map((instanceType) => ({ instanceType, availabilityZone: `${region}a`, usdPerHour: 1, timestamp: 0 })),
};

describe('PriceService with live on-demand prices', () => {
  let catalogs: Catalogs;
  let now: number;
  const clock = { now: () => now };
  before(async () => {
    catalogs = await loadCatalogs(RESOURCES);
  });
  beforeEach(() => {
    now = Date.parse('2026-01-10T12:00:00Z');
  });

  // After AWS's June 2025 cut p5.48xlarge costs about 55 USD/h; the catalog still says 98.32.
  const fake = (): FakeOnDemandPrices => new FakeOnDemandPrices({ 'us-east-1': { 'p5.48xlarge': 55.04 }, 'us-west-2': { 'p5.48xlarge': 55.04 } }, () => now);

  it('prices AWS pools at the live on-demand price, with the time it was read', async () => {
    const service = new PriceService({ catalogs, spotPriceSource: spot, onDemandPriceSource: fake(), clock, ttlMs: 60_000 });
    const scan = await service.scanPools({ gpu: '8x H100', regions: ['us-east-1'], includeOtherClouds: true });
    assert.deepEqual(scan.notes, []);
    const pool = scan.pools.find((p) => p.cloud === 'aws' && p.instanceType === 'p5.48xlarge');
    assert.deepEqual(pool?.onDemand, { usdPerHour: 55.04, source: 'live', asOf: now, estimate: false });
    assert.equal(pool?.spot.source, 'live');
    assert.ok(scan.pools.filter((p) => p.cloud !== 'aws').every((p) => p.onDemand.source === 'catalog'), 'GCP and Azure stay on their catalogs');
  });

  it('uses live on-demand prices even where spot falls back to the catalog', async () => {
    const service = new PriceService({ catalogs, onDemandPriceSource: fake(), clock, ttlMs: 60_000 });
    const [pool] = (await service.scanPools({ instanceType: 'p5.48xlarge', regions: ['us-west-2'] })).pools;
    assert.equal(pool.spot.source, 'catalog');
    assert.equal(pool.onDemand.source, 'live');
  });

  it('falls back to the catalog with a note when the Price List API fails, without failing the scan', async () => {
    const source = fake();
    source.failing.set('us-east-1', new Error('AWS throttled Reading on-demand prices for us-east-1 from the Price List API in us-east-1 after 3 attempts.'));
    const service = new PriceService({ catalogs, spotPriceSource: spot, onDemandPriceSource: source, clock, ttlMs: 60_000 });
    const scan = await service.scanPools({ gpu: '8x H100', regions: ['us-east-1', 'us-west-2'] });
    assert.deepEqual(scan.notes.map((n) => n.region), ['us-east-1']);
    assert.match(scan.notes[0].message, /Live on-demand prices unavailable \(AWS throttled .*\); showing catalog prices/);
    const byRegion = (region: string) => scan.pools.find((p) => p.region === region && p.instanceType === 'p5.48xlarge');
    assert.deepEqual([byRegion('us-east-1')?.onDemand.source, byRegion('us-east-1')?.onDemand.usdPerHour], ['catalog', 98.32]);
    assert.equal(byRegion('us-east-1')?.spot.source, 'live', 'spot stays live');
    assert.equal(byRegion('us-west-2')?.onDemand.source, 'live');
    // A failure is not cached.
    source.failing.clear();
    assert.deepEqual((await service.scanPools({ gpu: '8x H100', regions: ['us-east-1'] })).notes, []);
  });

  it('notes types the Price List has no price for and prices them from the catalog', async () => {
    const service = new PriceService({ catalogs, spotPriceSource: spot, onDemandPriceSource: fake(), clock, ttlMs: 60_000 });
    const scan = await service.scanPools({ gpu: '8x A100', regions: ['us-east-1'] });
    assert.equal(scan.notes.length, 1);
    assert.match(scan.notes[0].message, /No live on-demand price for p4d\.24xlarge; catalog prices shown for it/);
    assert.equal(scan.pools[0].onDemand.source, 'catalog');
  });

  it('gives a slow Price List up after regionTimeoutMs', async () => {
    const slow: OnDemandPriceSource = { onDemandPrices: () => new Promise(() => undefined) };
    const service = new PriceService({ catalogs, spotPriceSource: spot, onDemandPriceSource: slow, clock, ttlMs: 60_000, regionTimeoutMs: 50 });
    const scan = await service.scanPools({ instanceType: 'g5.xlarge', regions: ['us-west-2'] });
    assert.match(scan.notes[0].message, /Live on-demand prices unavailable \(us-west-2 did not answer within 50 ms\)/);
    assert.equal(scan.pools[0].onDemand.source, 'catalog');
  });

  it('reuses live on-demand prices within the TTL', async () => {
    const source = fake();
    const service = new PriceService({ catalogs, spotPriceSource: spot, onDemandPriceSource: source, clock, ttlMs: 60_000 });
    const query = { gpu: '8x H100', regions: ['us-east-1'] };
    await service.scanPools(query);
    now += 30_000;
    const cached = await service.scanPools(query);
    assert.equal(source.calls.length, 1);
    assert.equal(cached.pools[0].onDemand.asOf, now - 30_000);
    now += 30_000;
    await service.scanPools(query);
    assert.equal(source.calls.length, 2);
    service.clearCache();
    await service.scanPools(query);
    assert.equal(source.calls.length, 3);
  });
});
