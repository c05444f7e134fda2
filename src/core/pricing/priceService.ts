import { userMessageOf } from '../errors';
import { awsCatalogPool, awsInterruption, awsOnDemand, AWS_NOTICE_SECONDS, matchingAwsTypes, otherCloudPools } from './catalogPools';
import { catalogAsOfMs } from './catalogLoader';
import type { Catalogs } from './catalogTypes';
import { type GpuNeed, parseGpuNeed } from './gpuNeed';
import { awsGpuSpec } from './gpuSpecs';
import type { InterruptionChoice } from './interruption';
import { LiveCache } from './liveCache';
import type { Cloud, OnDemandPriceSource, OnDemandQuote, Pool, PoolQuery, PoolScan, PricePoint, RegionNote, SpotPriceQuote, SpotPriceSource } from './pricingTypes';

export interface PriceServiceOptions {
  readonly catalogs: Catalogs;
  /** Live spot prices; without one every pool is priced from the catalogs. */
  readonly spotPriceSource?: SpotPriceSource;
  /** Live AWS on-demand prices (the Price List API); without one they come from the catalog. */
  readonly onDemandPriceSource?: OnDemandPriceSource;
  readonly clock: { now(): number };
  /** How long live prices of one (region, type set) are reused. */
  readonly ttlMs: number;
  /** A region slower than this falls back to the catalog instead of holding up the scan. */
  readonly regionTimeoutMs?: number;
  readonly interruption?: InterruptionChoice;
  /**
   * Live Google Cloud prices (the Cloud Billing Catalog), when a gcloud configuration is connected;
   * undefined (or a failure) leaves the GCP rows at the catalog's figures, with a note.
   */
  readonly gcpLivePrices?: () => Promise<LivePoolPricer | undefined>;
  /**
   * Live Azure prices (azureRetailPrices.ts retailPoolPricer over the Retail Prices API, which needs
   * no sign-in); undefined (or a failure) leaves the Azure rows at the catalog's figures, with a note.
   */
  readonly azureLivePrices?: () => Promise<LivePoolPricer | undefined>;
}

/**
 * Prices another cloud's catalog pools live (gcpPrices.ts billingPoolPricer over the Billing
 * Catalog): the same pools back, each live where the cloud's price list has it, else as it was.
 */
export interface LivePoolPricer {
  /** The pools, live where the price list had them; notes for what it could not price (a region it could not read). */
  price(pools: readonly Pool[]): Promise<{ readonly pools: Pool[]; readonly notes?: readonly RegionNote[] }>;
}

/** One machine's Spot price in one region: live, or the catalog's with its date. */
export interface SpotQuote {
  readonly instanceType: string;
  readonly region: string;
  readonly spot: PricePoint;
}

/** Ranks the places a GPU job could run, with live AWS spot prices where they can be had. */
export class PriceService {
  private readonly spotCache: LiveCache<SpotPriceQuote[]>;
  private readonly onDemandCache: LiveCache<Map<string, OnDemandQuote>>;

  constructor(private readonly options: PriceServiceOptions) {
    const settings = { ttlMs: options.ttlMs, now: () => options.clock.now() };
    this.spotCache = new LiveCache(settings);
    this.onDemandCache = new LiveCache(settings);
  }

  async scanPools(query: PoolQuery): Promise<PoolScan> {
    const { need, instanceType } = readQuery(query);
    const { catalogs } = this.options;
    const types = matchingAwsTypes(catalogs, need, instanceType);
    const regions = query.regions ?? Object.keys(catalogs.onDemand.regions);
    // Every region at once: a scan takes as long as its slowest region, not the sum.
    const perRegion = await Promise.all(regions.map((region) => this.scanRegion(region, types)));
    const pools = perRegion.flatMap((r) => r.pools);
    const notes = perRegion.flatMap((r) => r.notes);
    if (query.includeOtherClouds) {
      const choice = this.choice();
      // Both clouds at once: the scan waits for the slower, not the sum.
      const [gcp, azure] = await Promise.all([
        this.livePools(otherCloudPools(catalogs, catalogs.gcp, need, instanceType, choice), this.options.gcpLivePrices, 'Google Cloud'),
        this.livePools(otherCloudPools(catalogs, catalogs.azure, need, instanceType, choice), this.options.azureLivePrices, 'Azure'),
      ]);
      pools.push(...gcp.pools, ...azure.pools);
      notes.push(...gcp.notes, ...azure.notes);
    }
    pools.sort((a, b) => a.spot.usdPerHour - b.spot.usdPerHour || a.onDemand.usdPerHour - b.onDemand.usdPerHour);
    return { pools, notes };
  }

  /** Catalog pools of another cloud priced live where its price list has every part; the catalog's figures with a note when it fails. */
  private async livePools(pools: Pool[], pricer: (() => Promise<LivePoolPricer | undefined>) | undefined, cloudName: string): Promise<{ pools: Pool[]; notes: RegionNote[] }> {
    if (pools.length === 0 || !pricer) return { pools, notes: [] };
    try {
      const source = await pricer();
      if (!source) return { pools, notes: [] };
      const priced = await withTimeout(source.price(pools), this.options.regionTimeoutMs, cloudName);
      return { pools: priced.pools, notes: [...(priced.notes ?? [])] };
    } catch (error) {
      return { pools, notes: [{ region: cloudName, message: `Live ${cloudName} prices unavailable (${userMessageOf(error)}); showing catalog estimates for ${cloudName}.` }] };
    }
  }

  /** The on-demand price from the catalogs; scanPools is where live on-demand prices come in. */
  onDemandPrice(cloud: Cloud, region: string, instanceType: string): PricePoint | undefined {
    if (cloud === 'aws') return awsOnDemand(this.options.catalogs, region, instanceType);
    const catalog = cloud === 'gcp' ? this.options.catalogs.gcp : this.options.catalogs.azure;
    const price = catalog.instanceTypes[instanceType]?.prices[region];
    return price && { usdPerHour: price.onDemandUsdPerHour, source: 'catalog', asOf: catalogAsOfMs(catalog.asOf), estimate: price.estimate };
  }

  /**
   * Spot prices of another cloud's machines in these regions, cheapest first, for a launch's
   * pre-flight: live where the cloud's price list has them (the calculator's own pricer, cache and
   * notes), else the catalog's figure; a machine or region the catalog does not list is left out.
   */
  async otherCloudSpotPrices(cloud: 'gcp' | 'azure', instanceTypes: readonly string[], regions: readonly string[]): Promise<{ quotes: SpotQuote[]; notes: RegionNote[] }> {
    const priced = await this.otherCloudPricedPools(cloud, instanceTypes, regions);
    const quotes = priced.pools.map((pool) => ({ instanceType: pool.instanceType, region: pool.region, spot: pool.spot })).sort((a, b) => a.spot.usdPerHour - b.spot.usdPerHour);
    return { quotes, notes: priced.notes };
  }

  /** Google Cloud's or Azure's pools of these machine types in these regions, whole (on-demand, interruption rate, notice), live prices where they could be read. */
  async otherCloudPricedPools(cloud: 'gcp' | 'azure', instanceTypes: readonly string[], regions: readonly string[]): Promise<{ pools: Pool[]; notes: RegionNote[] }> {
    const { catalogs } = this.options;
    const catalog = cloud === 'gcp' ? catalogs.gcp : catalogs.azure;
    const pools = [...new Set(instanceTypes)].flatMap((type) => otherCloudPools(catalogs, catalog, undefined, type, this.choice())).filter((pool) => regions.includes(pool.region));
    return this.livePools(pools, cloud === 'gcp' ? this.options.gcpLivePrices : this.options.azureLivePrices, cloud === 'gcp' ? 'Google Cloud' : 'Azure');
  }

  /** Forgets cached live prices, e.g. on a user's explicit refresh. */
  clearCache(): void {
    this.spotCache.clear();
    this.onDemandCache.clear();
  }

  private choice(): InterruptionChoice {
    return this.options.interruption ?? { mode: 'advisor' };
  }

  private async scanRegion(region: string, allTypes: readonly string[]): Promise<{ pools: Pool[]; notes: RegionNote[] }> {
    const { catalogs } = this.options;
    if (!(region in catalogs.onDemand.regions)) {
      return { pools: [], notes: [{ region, message: `${region} is not in the price catalog: no on-demand prices to compare, so it was skipped.` }] };
    }
    const types = allTypes.filter((type) => catalogs.onDemand.instanceTypes[type]?.prices[region] !== undefined);
    if (types.length === 0) return { pools: [], notes: [] };
    // Spot and on-demand at once: the region takes the slower of the two, not the sum.
    const [spot, onDemand] = await Promise.all([this.spotPools(region, types), this.liveOnDemand(region, types)]);
    const pools = spot.pools.map((pool) => {
      const quote = onDemand.quotes.get(pool.instanceType);
      // asOf is when the price was read: that is the age a user cares about.
      return quote ? { ...pool, onDemand: { usdPerHour: quote.usdPerHour, source: 'live' as const, asOf: quote.fetchedAt, estimate: false } } : pool;
    });
    return { pools, notes: [...spot.notes, ...onDemand.notes] };
  }

  /** Pools with live spot prices where they can be had, catalog figures elsewhere. */
  private async spotPools(region: string, types: readonly string[]): Promise<{ pools: Pool[]; notes: RegionNote[] }> {
    const { catalogs, spotPriceSource } = this.options;
    const fallback = (): Pool[] => types.flatMap((type) => awsCatalogPool(catalogs, region, type, this.choice()) ?? []);
    if (!spotPriceSource) return { pools: fallback(), notes: [] };
    let fetched: { fetchedAt: number; value: SpotPriceQuote[] };
    try {
      fetched = await this.spotCache.get(cacheKey(region, types), () => withTimeout(spotPriceSource.latestSpotPrices(region, types), this.options.regionTimeoutMs, region));
    } catch (error) {
      return { pools: fallback(), notes: [{ region, message: `Live spot prices unavailable (${userMessageOf(error)}); showing catalog estimates.` }] };
    }
    const cheapest = cheapestPerType(fetched.value);
    const pools: Pool[] = [];
    const missing: string[] = [];
    for (const type of types) {
      const quote = cheapest.get(type);
      const live = quote && this.livePool(region, type, quote, fetched.fetchedAt);
      const pool = live ?? awsCatalogPool(catalogs, region, type, this.choice());
      if (!live) missing.push(type);
      if (pool) pools.push(pool);
    }
    const notes = missing.length > 0 ? [{ region, message: `No live spot price for ${missing.join(', ')}; catalog estimates shown for ${missing.length === 1 ? 'it' : 'them'}.` }] : [];
    return { pools, notes };
  }

  /** Live on-demand prices of the region's types; a failure or a missing type is a note, never an error. */
  private async liveOnDemand(region: string, types: readonly string[]): Promise<{ quotes: Map<string, OnDemandQuote>; notes: RegionNote[] }> {
    const source = this.options.onDemandPriceSource;
    if (!source) return { quotes: new Map(), notes: [] };
    try {
      const { value: quotes } = await this.onDemandCache.get(cacheKey(region, types), () => withTimeout(source.onDemandPrices(region, types), this.options.regionTimeoutMs, region));
      const missing = types.filter((type) => !quotes.has(type));
      const notes = missing.length > 0 ? [{ region, message: `No live on-demand price for ${missing.join(', ')}; catalog prices shown for ${missing.length === 1 ? 'it' : 'them'}.` }] : [];
      return { quotes, notes };
    } catch (error) {
      return { quotes: new Map(), notes: [{ region, message: `Live on-demand prices unavailable (${userMessageOf(error)}); showing catalog prices.` }] };
    }
  }

  private livePool(region: string, type: string, quote: SpotPriceQuote, fetchedAt: number): Pool | undefined {
    const { catalogs } = this.options;
    const gpu = awsGpuSpec(type);
    const onDemand = awsOnDemand(catalogs, region, type);
    if (!gpu || !onDemand) return undefined;
    return {
      cloud: 'aws',
      region,
      availabilityZone: quote.availabilityZone,
      instanceType: type,
      gpu,
      // asOf is when we observed the price: that is the age a user cares about.
      spot: { usdPerHour: quote.usdPerHour, source: 'live', asOf: fetchedAt, estimate: false },
      onDemand,
      interruption: awsInterruption(catalogs, region, type, gpu.model, this.choice()),
      noticeSeconds: AWS_NOTICE_SECONDS,
    };
  }
}

/** Live prices are cached per (region, type set). */
function cacheKey(region: string, types: readonly string[]): string {
  return `${region}|${[...types].sort().join(',')}`;
}

function readQuery(query: PoolQuery): { need?: GpuNeed; instanceType?: string } {
  if (query.instanceType !== undefined) return { instanceType: query.instanceType.trim() };
  return query.gpu !== undefined ? { need: parseGpuNeed(query.gpu) } : {};
}

/** The cheapest AZ per type (keeping which AZ it is). */
function cheapestPerType(quotes: readonly SpotPriceQuote[]): Map<string, SpotPriceQuote> {
  const best = new Map<string, SpotPriceQuote>();
  for (const quote of quotes) {
    const current = best.get(quote.instanceType);
    if (!current || quote.usdPerHour < current.usdPerHour) best.set(quote.instanceType, quote);
  }
  return best;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number | undefined, region: string): Promise<T> {
  if (timeoutMs === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${region} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
