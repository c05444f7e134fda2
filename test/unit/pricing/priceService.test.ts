import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { retailPoolPricer } from '../../../src/core/azure/azureRetailPrices';
import { billingPoolPricer } from '../../../src/core/gcp/gcpPrices';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import type { Catalogs } from '../../../src/core/pricing/catalogTypes';
import { PriceService } from '../../../src/core/pricing/priceService';
import type { SpotPriceQuote, SpotPriceSource } from '../../../src/core/pricing/pricingTypes';

const RESOURCES = path.resolve(__dirname, '../../../../resources/prices');

/** Answers from a table; records calls; regions listed in `failing` throw. */
class FakeSpotPrices implements SpotPriceSource {
  readonly calls: Array<{ region: string; types: readonly string[] }> = [];
  readonly failing = new Map<string, Error>();
  constructor(private readonly prices: Record<string, Array<[type: string, zone: string, usd: number]>>) {}

  async latestSpotPrices(region: string, instanceTypes: readonly string[]): Promise<SpotPriceQuote[]> {
    this.calls.push({ region, types: instanceTypes });
    const failure = this.failing.get(region);
    if (failure) throw failure;
    return (this.prices[region] ?? [])
      .filter(([type]) => instanceTypes.includes(type))
      .map(([instanceType, availabilityZone, usdPerHour]) => ({ instanceType, availabilityZone, usdPerHour, timestamp: 0 }));
  }
}

describe('PriceService', () => {
  let catalogs: Catalogs;
  let now: number;
  const clock = { now: () => now };
  before(async () => {
    catalogs = await loadCatalogs(RESOURCES);
  });
  beforeEach(() => {
    now = Date.parse('2026-01-10T12:00:00Z');
  });

  const h100 = (): FakeSpotPrices =>
    new FakeSpotPrices({
      'us-east-1': [['p5.48xlarge', 'us-east-1a', 30], ['p5.48xlarge', 'us-east-1c', 21.5], ['p5.48xlarge', 'us-east-1d', 25]],
      'us-west-2': [['p5.48xlarge', 'us-west-2b', 19.66]],
      'eu-north-1': [['p5.48xlarge', 'eu-north-1a', 40]],
    });

  it('ranks pools cheapest spot first, taking the cheapest AZ of each region', async () => {
    const service = new PriceService({ catalogs, spotPriceSource: h100(), clock, ttlMs: 60_000 });
    const scan = await service.scanPools({ gpu: '8x h100', regions: ['us-east-1', 'us-west-2', 'eu-north-1', 'eu-west-1'] });
    assert.deepEqual(scan.notes, []);
    assert.deepEqual(scan.pools.map((p) => [p.region, p.availabilityZone, p.spot.usdPerHour]), [
      ['us-west-2', 'us-west-2b', 19.66],
      ['us-east-1', 'us-east-1c', 21.5],
      ['eu-north-1', 'eu-north-1a', 40],
    ]);
    const best = scan.pools[0];
    assert.deepEqual(best.spot, { usdPerHour: 19.66, source: 'live', asOf: now, estimate: false });
    assert.equal(best.onDemand.source, 'catalog');
    assert.equal(best.noticeSeconds, 120);
    assert.deepEqual(best.gpu, { model: 'H100', count: 8, memoryGiB: 640 });
    assert.equal(best.interruption.source, 'advisor-bucket');
  });

  it('matches every type with enough GPUs of the model, or one exact type', async () => {
    const service = new PriceService({ catalogs, clock, ttlMs: 60_000 });
    const a10g = await service.scanPools({ gpu: '4x A10G', regions: ['us-east-1'] });
    assert.deepEqual(a10g.pools.map((p) => p.instanceType).sort(), ['g5.12xlarge', 'g5.24xlarge', 'g5.48xlarge']);
    const exact = await service.scanPools({ instanceType: 'g5.xlarge', regions: ['us-east-1', 'us-west-2'] });
    assert.deepEqual(exact.pools.map((p) => p.instanceType), ['g5.xlarge', 'g5.xlarge']);
  });

  it('reuses live prices within the TTL and asks again after it', async () => {
    const source = h100();
    const service = new PriceService({ catalogs, spotPriceSource: source, clock, ttlMs: 60_000 });
    const query = { gpu: '8x H100', regions: ['us-east-1', 'us-west-2'] };
    await service.scanPools(query);
    now += 59_000;
    const cached = await service.scanPools(query);
    assert.equal(source.calls.length, 2);
    assert.equal(cached.pools[0].spot.asOf, now - 59_000, 'a cached price keeps the time it was observed');
    now += 1_000;
    await service.scanPools(query);
    assert.equal(source.calls.length, 4);
    // Another type set in the same region is a different cache entry.
    await service.scanPools({ gpu: '8x A100', regions: ['us-east-1'] });
    assert.equal(source.calls.length, 5);
  });

  it('degrades a failing region to catalog figures with a note, keeping the others live', async () => {
    const source = h100();
    source.failing.set('us-east-1', new Error('AWS throttled Reading spot prices in us-east-1 after 3 attempts.'));
    const service = new PriceService({ catalogs, spotPriceSource: source, clock, ttlMs: 60_000 });
    const scan = await service.scanPools({ gpu: '8x H100', regions: ['us-east-1', 'us-west-2'] });
    assert.equal(scan.notes.length, 1);
    assert.equal(scan.notes[0].region, 'us-east-1');
    assert.match(scan.notes[0].message, /Live spot prices unavailable \(AWS throttled .*\); showing catalog estimates/);
    const east = scan.pools.find((p) => p.region === 'us-east-1');
    const advice = catalogs.advisor.spot_advisor['us-east-1'].Linux['p5.48xlarge'];
    assert.equal(east?.spot.source, 'catalog');
    assert.equal(east?.spot.estimate, true);
    assert.ok(Math.abs((east?.spot.usdPerHour ?? 0) - 98.32 * (1 - advice.s / 100)) < 1e-3);
    assert.equal(scan.pools.find((p) => p.region === 'us-west-2')?.spot.source, 'live');
    // A failure is not cached: the next scan asks again.
    source.failing.clear();
    const again = await service.scanPools({ gpu: '8x H100', regions: ['us-east-1', 'us-west-2'] });
    assert.deepEqual(again.notes, []);
  });

  it('gives a slow region up after regionTimeoutMs', async () => {
    const slow: SpotPriceSource = { latestSpotPrices: () => new Promise(() => undefined) };
    const service = new PriceService({ catalogs, spotPriceSource: slow, clock, ttlMs: 60_000, regionTimeoutMs: 50 });
    const scan = await service.scanPools({ gpu: 'H100', regions: ['us-west-2'] });
    assert.match(scan.notes[0].message, /did not answer within 50 ms/);
    assert.equal(scan.pools[0].spot.source, 'catalog');
  });

  it('notes types without a live price and regions missing from the catalog', async () => {
    const service = new PriceService({ catalogs, spotPriceSource: h100(), clock, ttlMs: 60_000 });
    const scan = await service.scanPools({ gpu: '8x H100', regions: ['ap-northeast-1', 'mars-north-1'] });
    assert.deepEqual(scan.notes.map((n) => n.region).sort(), ['ap-northeast-1', 'mars-north-1']);
    assert.match(scan.notes.find((n) => n.region === 'ap-northeast-1')?.message ?? '', /No live spot price for p5\.48xlarge/);
    assert.match(scan.notes.find((n) => n.region === 'mars-north-1')?.message ?? '', /not in the price catalog/);
  });

  it('prices the GCP rows live from the Billing Catalog when Google Cloud is connected, and falls back to the catalog with a note when it fails', async () => {
    const asked: Array<{ types: readonly string[]; regions: readonly string[] }> = [];
    const gcpLivePrices = async () => billingPoolPricer({
      prices: async (types: readonly string[], regions: readonly string[]) => {
        asked.push({ types, regions });
        const byRegion = new Map(regions.map((region) => [region, { spotUsdPerHour: 11.11, onDemandUsdPerHour: 88.88, skus: [], missing: [] }]));
        return { fetchedAt: now - 60_000, prices: new Map(types.map((type) => [type, byRegion])) };
      },
    });
    const live = new PriceService({ catalogs, spotPriceSource: h100(), clock, ttlMs: 60_000, gcpLivePrices });
    const scan = await live.scanPools({ gpu: '8x H100', regions: ['us-west-2'], includeOtherClouds: true });
    const gcp = scan.pools.filter((pool) => pool.cloud === 'gcp');
    assert.ok(gcp.length > 0);
    for (const pool of gcp) {
      assert.deepEqual(pool.spot, { usdPerHour: 11.11, source: 'live', asOf: now - 60_000, estimate: false });
      assert.equal(pool.onDemand.usdPerHour, 88.88);
    }
    assert.equal(asked.length, 1, 'one Billing Catalog read for every GCP row');
    assert.ok(scan.pools.filter((pool) => pool.cloud === 'azure').every((pool) => pool.spot.source === 'catalog'));

    const failing = new PriceService({ catalogs, spotPriceSource: h100(), clock, ttlMs: 60_000, gcpLivePrices: async () => billingPoolPricer({ prices: async () => Promise.reject(new Error('403 billing API disabled')) }) });
    const fallback = await failing.scanPools({ gpu: '8x H100', regions: ['us-west-2'], includeOtherClouds: true });
    assert.ok(fallback.pools.filter((pool) => pool.cloud === 'gcp').every((pool) => pool.spot.source === 'catalog'));
    assert.match(fallback.notes.find((note) => note.region === 'Google Cloud')?.message ?? '', /Live Google Cloud prices unavailable \(403 billing API disabled\); showing catalog estimates/);
  });

  it('prices the Azure rows live from the Retail Prices API, notes a region it could not read, and falls back to the catalog with a note when it fails', async () => {
    const asked: Array<{ sizes: readonly string[]; regions: readonly string[] }> = [];
    const azureLivePrices = async () => retailPoolPricer({
      prices: async (sizes: readonly string[], regions: readonly string[]) => {
        asked.push({ sizes, regions });
        const byRegion = new Map(regions.filter((region) => region !== 'westeurope').map((region) => [region, { spotUsdPerHour: 22.22, onDemandUsdPerHour: 77.77, fetchedAt: now - 30_000, meters: [] }]));
        // Azure lists no meter for the first size anywhere.
        return { fetchedAt: now - 30_000, prices: new Map(sizes.slice(1).map((size) => [size, byRegion])), unavailable: [{ region: 'westeurope', reason: '503 busy' }] };
      },
    });
    const live = new PriceService({ catalogs, spotPriceSource: h100(), clock, ttlMs: 60_000, azureLivePrices });
    const scan = await live.scanPools({ gpu: '1x A100', regions: ['us-west-2'], includeOtherClouds: true });
    const azure = scan.pools.filter((pool) => pool.cloud === 'azure');
    assert.ok(azure.some((pool) => pool.region === 'eastus') && azure.some((pool) => pool.region === 'westeurope'));
    const unlisted = asked[0].sizes[0];
    assert.ok(azure.some((pool) => pool.instanceType !== unlisted && pool.region === 'eastus'), 'some sizes are listed');
    for (const pool of azure.filter((candidate) => candidate.region !== 'westeurope' && candidate.instanceType !== unlisted)) {
      assert.deepEqual(pool.spot, { usdPerHour: 22.22, source: 'live', asOf: now - 30_000, estimate: false });
      assert.equal(pool.onDemand.usdPerHour, 77.77);
    }
    assert.ok(azure.filter((pool) => pool.instanceType === unlisted).every((pool) => pool.spot.source === 'catalog'));
    assert.equal(scan.notes.find((note) => note.region === 'Azure eastus')?.message, `No live Azure Spot price for ${unlisted} in eastus; catalog estimates shown for it.`);
    assert.ok(azure.filter((pool) => pool.region === 'westeurope').every((pool) => pool.spot.source === 'catalog'));
    assert.match(scan.notes.find((note) => note.region === 'Azure westeurope')?.message ?? '', /Live Azure prices unavailable in westeurope \(503 busy\); showing catalog estimates there/);
    assert.equal(asked.length, 1, 'one Retail Prices read for every Azure row');
    assert.ok(scan.pools.filter((pool) => pool.cloud === 'gcp').every((pool) => pool.spot.source === 'catalog'));

    const failing = new PriceService({ catalogs, spotPriceSource: h100(), clock, ttlMs: 60_000, azureLivePrices: async () => retailPoolPricer({ prices: async () => Promise.reject(new Error('getaddrinfo ENOTFOUND prices.azure.com')) }) });
    const fallback = await failing.scanPools({ gpu: '1x A100', regions: ['us-west-2'], includeOtherClouds: true });
    assert.ok(fallback.pools.filter((pool) => pool.cloud === 'azure').every((pool) => pool.spot.source === 'catalog'));
    assert.match(fallback.notes.find((note) => note.region === 'Azure')?.message ?? '', /^Live Azure prices unavailable \(getaddrinfo ENOTFOUND prices\.azure\.com\); showing catalog estimates for Azure\.$/);
  });

  it("prices an Azure launch's sizes and regions for its pre-flight through the same live pricer, cheapest first, the catalog's figure with a note when the Retail Prices API fails", async () => {
    const asked: Array<{ sizes: readonly string[]; regions: readonly string[] }> = [];
    const azureLivePrices = async () => retailPoolPricer({
      prices: async (sizes: readonly string[], regions: readonly string[]) => {
        asked.push({ sizes, regions });
        // eastus live for the T4 size only; westeurope not read.
        return { fetchedAt: now - 120_000, prices: new Map([['Standard_NC4as_T4_v3', new Map([['eastus', { spotUsdPerHour: 0.1234, onDemandUsdPerHour: 0.526, fetchedAt: now - 120_000, meters: [] }]])]]), unavailable: [{ region: 'westeurope', reason: '503 busy' }] };
      },
    });
    const live = new PriceService({ catalogs, clock, ttlMs: 60_000, azureLivePrices });
    const { quotes, notes } = await live.otherCloudSpotPrices('azure', ['Standard_NC4as_T4_v3', 'Standard_NC24ads_A100_v4', 'Not_A_Size'], ['eastus', 'westeurope', 'mars']);
    assert.deepEqual(asked, [{ sizes: ['Standard_NC4as_T4_v3', 'Standard_NC24ads_A100_v4'], regions: ['eastus', 'westeurope'] }], "one read, of the profile's sizes and regions the catalog lists");
    assert.deepEqual(quotes[0], { instanceType: 'Standard_NC4as_T4_v3', region: 'eastus', spot: { usdPerHour: 0.1234, source: 'live', asOf: now - 120_000, estimate: false } });
    assert.deepEqual(quotes.map((quote) => quote.spot.usdPerHour), [...quotes.map((quote) => quote.spot.usdPerHour)].sort((a, b) => a - b), 'cheapest first');
    assert.ok(quotes.every((quote) => ['eastus', 'westeurope'].includes(quote.region) && quote.instanceType !== 'Not_A_Size'));
    const westeurope = quotes.find((quote) => quote.instanceType === 'Standard_NC4as_T4_v3' && quote.region === 'westeurope');
    assert.equal(westeurope?.spot.source, 'catalog');
    assert.equal(westeurope?.spot.usdPerHour, catalogs.azure.instanceTypes.Standard_NC4as_T4_v3.prices.westeurope.spotUsdPerHour);
    assert.match(notes.find((note) => note.region === 'Azure westeurope')?.message ?? '', /Live Azure prices unavailable in westeurope \(503 busy\)/);
    assert.equal(notes.find((note) => note.region === 'Azure eastus')?.message, 'No live Azure Spot price for Standard_NC24ads_A100_v4 in eastus; catalog estimates shown for it.');

    const failing = new PriceService({ catalogs, clock, ttlMs: 60_000, azureLivePrices: async () => retailPoolPricer({ prices: async () => Promise.reject(new Error('getaddrinfo ENOTFOUND prices.azure.com')) }) });
    const fallback = await failing.otherCloudSpotPrices('azure', ['Standard_NC4as_T4_v3'], ['eastus']);
    assert.deepEqual(fallback.quotes.map((quote) => quote.spot.source), ['catalog']);
    assert.deepEqual(fallback.notes, [{ region: 'Azure', message: 'Live Azure prices unavailable (getaddrinfo ENOTFOUND prices.azure.com); showing catalog estimates for Azure.' }]);
    const offline = await new PriceService({ catalogs, clock, ttlMs: 60_000 }).otherCloudSpotPrices('azure', ['Standard_NC4as_T4_v3'], ['eastus']);
    assert.deepEqual(offline, { quotes: [{ instanceType: 'Standard_NC4as_T4_v3', region: 'eastus', spot: fallback.quotes[0].spot }], notes: [] }, 'no live pricer (live prices off): the catalog, no note');
  });

  it('adds GCP and Azure equivalents with a 30 s notice', async () => {
    const service = new PriceService({ catalogs, spotPriceSource: h100(), clock, ttlMs: 60_000 });
    const scan = await service.scanPools({ gpu: '8x H100', regions: ['us-west-2'], includeOtherClouds: true });
    const clouds = new Set(scan.pools.map((p) => p.cloud));
    assert.deepEqual([...clouds].sort(), ['aws', 'azure', 'gcp']);
    for (const pool of scan.pools.filter((p) => p.cloud !== 'aws')) {
      assert.equal(pool.noticeSeconds, 30);
      assert.equal(pool.interruption.source, 'estimate');
      assert.ok(pool.gpu.count >= 8 && pool.gpu.model === 'H100');
    }
    const spots = scan.pools.map((p) => p.spot.usdPerHour);
    assert.deepEqual(spots, [...spots].sort((a, b) => a - b));
  });

  it('applies the article presets or a user rate when chosen', async () => {
    const presets = new PriceService({ catalogs, clock, ttlMs: 1, interruption: { mode: 'article-presets' } });
    const [h100Pool] = (await presets.scanPools({ gpu: '8x H100', regions: ['us-east-1'] })).pools;
    assert.deepEqual(h100Pool.interruption, { perHour: 0.041, source: 'preset' });
    const [t4] = (await presets.scanPools({ instanceType: 'g4dn.xlarge', regions: ['us-east-1'] })).pools;
    assert.equal(t4.interruption.source, 'advisor-bucket', 'no article figure for T4: the advisor bucket stays');
    const user = new PriceService({ catalogs, clock, ttlMs: 1, interruption: { mode: 'user', perHour: 0.02 } });
    const scan = await user.scanPools({ gpu: 'A100', regions: ['us-east-1'], includeOtherClouds: true });
    assert.ok(scan.pools.every((p) => p.interruption.perHour === 0.02 && p.interruption.source === 'user'));
  });

  it('returns catalog on-demand prices per cloud', () => {
    const service = new PriceService({ catalogs, clock, ttlMs: 1 });
    assert.equal(service.onDemandPrice('aws', 'us-east-1', 'p5.48xlarge')?.usdPerHour, 98.32);
    assert.equal(service.onDemandPrice('gcp', 'us-central1', 'a3-highgpu-8g')?.source, 'catalog');
    assert.equal(service.onDemandPrice('azure', 'eastus', 'nope'), undefined);
  });

  it('rejects an unreadable GPU need before any network call', async () => {
    const source = h100();
    const service = new PriceService({ catalogs, spotPriceSource: source, clock, ttlMs: 1 });
    await assert.rejects(service.scanPools({ gpu: 'eight hopper' }), /accepted forms/);
    assert.equal(source.calls.length, 0);
  });
});
