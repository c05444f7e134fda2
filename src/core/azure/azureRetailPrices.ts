import { LiveCache } from '../pricing/liveCache';
import type { LivePoolPricer } from '../pricing/priceService';
import type { Pool, PricePoint, RegionNote } from '../pricing/pricingTypes';
import { sizeBatches, vmPrice, vmPricesFilter, type AzureRetailPriceItem, type AzureRetailPricePage, type AzureVmPrice } from './azureRetailPriceItems';

/** Where Azure publishes its list prices (no sign-in). */
export const AZURE_RETAIL_PRICES_URL = 'https://prices.azure.com';
/** The version that lists every meter (primary and not) and has savings plans; values are case-sensitive in it. */
export const AZURE_RETAIL_PRICES_API_VERSION = '2023-01-01-preview';

/**
 * The API's base URL: `SPOTBOX_AZURE_RETAIL_PRICES_URL` when set (the sandbox sets it), else Azure's.
 * Only the process environment may redirect it, never a workspace setting: a repository someone
 * opens must not be able to point the calculator at prices of its choosing.
 */
export function azureRetailPricesUrl(environment: { readonly SPOTBOX_AZURE_RETAIL_PRICES_URL?: string }): string {
  const configured = environment.SPOTBOX_AZURE_RETAIL_PRICES_URL?.trim();
  return (configured || AZURE_RETAIL_PRICES_URL).replace(/\/+$/, '');
}

/** A refusal from the API, with its status and its `Error.Code` when it gave one. */
export class AzureRetailPricesError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'AzureRetailPricesError';
  }
}

export interface AzureRetailPricesOptions {
  /** `https://prices.azure.com` or the sandbox's server (see azureRetailPricesUrl). */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** One HTTP request (default 5 s). */
  readonly requestTimeoutMs?: number;
  /**
   * All the pages of one region (default 6 s): a slow region is left out, not waited for. Under the
   * calculator's 8 s cut-off, so one slow region costs only its own rows, not every Azure row.
   */
  readonly regionTimeoutMs?: number;
  readonly now?: () => number;
  /** How long one read of a region is reused (default 6 h: Azure's list prices change rarely, Spot's at most daily). */
  readonly ttlMs?: number;
}

/** Live Azure prices of catalog sizes: `size -> region -> price`; regions that could not be read are listed apart. */
export interface AzureLivePrices {
  /** When the oldest price used was read. */
  readonly fetchedAt: number;
  readonly prices: ReadonlyMap<string, ReadonlyMap<string, AzureVmPrice>>;
  readonly unavailable: ReadonlyArray<{ readonly region: string; readonly reason: string }>;
}

/** Pages one query may take: ten sizes' meters fit in one or two pages of 100; more means something is wrong. */
const MAX_PAGES = 20;

/** VM prices from the Azure Retail Prices API, one filtered query per region and ten sizes. */
export class AzureRetailPrices {
  private readonly cache: LiveCache<AzureRetailPriceItem[]>;
  private readonly baseUrl: string;

  constructor(private readonly options: AzureRetailPricesOptions = {}) {
    this.baseUrl = (options.baseUrl ?? AZURE_RETAIL_PRICES_URL).replace(/\/+$/, '');
    this.cache = new LiveCache({ ttlMs: options.ttlMs ?? 6 * 3600_000, now: () => this.now() });
  }

  /**
   * Prices of the sizes in the regions, regions read in parallel. A region that fails or times out is
   * listed in `unavailable`; when every region fails, the first failure is thrown.
   */
  async prices(sizes: readonly string[], regions: readonly string[], signal?: AbortSignal): Promise<AzureLivePrices> {
    const uniqueRegions = [...new Set(regions)];
    const results = await Promise.allSettled(uniqueRegions.map((region) => this.regionPrices(region, sizes, signal)));
    const prices = new Map<string, Map<string, AzureVmPrice>>();
    const unavailable: Array<{ region: string; reason: string }> = [];
    let fetchedAt = Number.POSITIVE_INFINITY;
    results.forEach((result, index) => {
      const region = uniqueRegions[index];
      if (result.status === 'rejected') {
        unavailable.push({ region, reason: result.reason instanceof Error ? result.reason.message : String(result.reason) });
        return;
      }
      for (const price of result.value) {
        const { size, ...rest } = price;
        let byRegion = prices.get(size);
        if (!byRegion) prices.set(size, (byRegion = new Map<string, AzureVmPrice>()));
        byRegion.set(region, rest);
        fetchedAt = Math.min(fetchedAt, rest.fetchedAt);
      }
    });
    const firstFailure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (firstFailure && unavailable.length === uniqueRegions.length) throw firstFailure.reason;
    return { fetchedAt: Number.isFinite(fetchedAt) ? fetchedAt : this.now(), prices, unavailable };
  }

  /** One region's prices, its batches of sizes read at once, within the region timeout. */
  private async regionPrices(region: string, sizes: readonly string[], outer?: AbortSignal): Promise<Array<AzureVmPrice & { size: string }>> {
    const timeoutMs = this.options.regionTimeoutMs ?? 6_000;
    const signal = outer ? AbortSignal.any([outer, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    const batches = await Promise.all(
      sizeBatches(sizes).map(async (batch) => {
        const { fetchedAt, value } = await this.cache.get(`${region}|${batch.join(',')}`, () => this.items(vmPricesFilter(region, batch), signal));
        return batch.flatMap((size) => {
          const price = vmPrice(value, size, region, fetchedAt);
          return price ? [{ ...price, size }] : [];
        });
      }),
    ).catch((error: unknown) => {
      if (signal.aborted && !outer?.aborted) throw new Error(`Azure Retail Prices did not answer for ${region} within ${timeoutMs} ms`);
      throw error;
    });
    return batches.flat();
  }

  /** Every item a filter matches, following NextPageLink (on the same server only, at most MAX_PAGES). */
  async items(filter: string, signal?: AbortSignal): Promise<AzureRetailPriceItem[]> {
    const first = new URL(`${this.baseUrl}/api/retail/prices`);
    first.searchParams.set('api-version', AZURE_RETAIL_PRICES_API_VERSION);
    first.searchParams.set('$filter', filter);
    const items: AzureRetailPriceItem[] = [];
    let next: URL | undefined = first;
    for (let pages = 0; next; pages++) {
      if (pages === MAX_PAGES) throw new Error(`Azure Retail Prices returned more than ${MAX_PAGES} pages for one query`);
      const page = await this.page(next, signal);
      items.push(...(page.Items ?? []));
      next = page.NextPageLink ? this.nextPage(page.NextPageLink, first) : undefined;
    }
    return items;
  }

  /** The next page's URL; a link to another host is refused (a price answer must not send us elsewhere). */
  private nextPage(link: string, first: URL): URL {
    const url = new URL(link, first);
    if (url.origin !== first.origin) throw new Error(`Azure Retail Prices' next page is on another server (${url.origin})`);
    return url;
  }

  private async page(url: URL, outer?: AbortSignal): Promise<AzureRetailPricePage> {
    const timeout = AbortSignal.timeout(this.options.requestTimeoutMs ?? 5_000);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await (this.options.fetch ?? fetch)(url, { headers: { accept: 'application/json' }, signal });
      text = await response.text();
    } catch (error) {
      throw unreachable(error, url, timeout.aborted ? this.options.requestTimeoutMs ?? 5_000 : undefined, outer);
    }
    if (!response.ok) throw refusal(response, text);
    try {
      return JSON.parse(text) as AzureRetailPricePage;
    } catch {
      throw new AzureRetailPricesError(`Azure Retail Prices answered ${response.status} with a body that is not JSON`, response.status);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/**
 * Node's fetch says only "fetch failed" and hides why in `cause` (ECONNREFUSED, ENOTFOUND, a
 * certificate it does not trust): a note the user reads should name it.
 */
function unreachable(error: unknown, url: URL, timedOutAfterMs: number | undefined, outer?: AbortSignal): Error {
  if (outer?.aborted) return error instanceof Error ? error : new Error(String(error));
  if (timedOutAfterMs !== undefined) return new Error(`Azure Retail Prices (${url.host}) did not answer within ${timedOutAfterMs} ms`);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  const why = cause ? (code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message) : error instanceof Error ? error.message : String(error);
  return new Error(`Cannot reach Azure Retail Prices at ${url.host} (${why})`);
}

/** The API's error: `{"Error":{"Code":"BadRequest","Message":"Invalid OData parameters supplied"}}`, or just a status. */
function refusal(response: Response, body: string): AzureRetailPricesError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const parsed = JSON.parse(body) as { Error?: { Code?: string; Message?: string } | string };
    if (typeof parsed.Error === 'string') message = parsed.Error;
    else if (parsed.Error) ({ Code: code, Message: message } = parsed.Error);
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  const retryAfter = response.status === 429 ? response.headers.get('retry-after') : null;
  const detail = [code, message].filter(Boolean).join(': ');
  return new AzureRetailPricesError(`Azure Retail Prices answered ${response.status}${detail ? ` (${detail})` : ''}${retryAfter ? `; retry after ${retryAfter} s` : ''}`, response.status, code);
}

/**
 * Azure pools (from the catalog) with live prices where the Retail Prices API had the meter: the
 * PricePoints become `source: 'live'`, `asOf` when they were read, not estimates.
 */
/**
 * The price service's live pricer for Azure pools: one read per region (cached), then a note for a
 * region it could not read and for a size Azure lists no Linux Spot meter for in a region it read
 * (retired, or not offered as Spot there).
 */
export function retailPoolPricer(retail: Pick<AzureRetailPrices, 'prices'>): LivePoolPricer {
  return {
    async price(pools) {
      const azure = pools.filter((pool) => pool.cloud === 'azure');
      if (azure.length === 0) return { pools: [...pools] };
      const regions = [...new Set(azure.map((pool) => pool.region))];
      const live = await retail.prices([...new Set(azure.map((pool) => pool.instanceType))], regions);
      const priced = withLiveAzurePrices(pools, live);
      const unread = new Set(live.unavailable.map(({ region }) => region));
      const notes: RegionNote[] = live.unavailable.map(({ region, reason }) => ({ region: `Azure ${region}`, message: `Live Azure prices unavailable in ${region} (${reason}); showing catalog estimates there.` }));
      for (const region of regions.filter((candidate) => !unread.has(candidate))) {
        const missing = priced.filter((pool) => pool.cloud === 'azure' && pool.region === region && pool.spot.source !== 'live').map((pool) => pool.instanceType);
        if (missing.length > 0) notes.push({ region: `Azure ${region}`, message: `No live Azure Spot price for ${missing.join(', ')} in ${region}; catalog estimates shown for ${missing.length === 1 ? 'it' : 'them'}.` });
      }
      return { pools: priced, notes };
    },
  };
}

export function withLiveAzurePrices(pools: readonly Pool[], live: AzureLivePrices): Pool[] {
  return pools.map((pool) => {
    if (pool.cloud !== 'azure') return pool;
    const price = live.prices.get(pool.instanceType)?.get(pool.region);
    if (!price) return pool;
    const point = (usdPerHour: number | undefined, fallback: PricePoint): PricePoint => (usdPerHour !== undefined ? { usdPerHour, source: 'live', asOf: price.fetchedAt, estimate: false } : fallback);
    return { ...pool, spot: point(price.spotUsdPerHour, pool.spot), onDemand: point(price.onDemandUsdPerHour, pool.onDemand) };
  });
}
