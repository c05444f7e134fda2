import type { GetProductsCommandOutput, PricingClient } from '@aws-sdk/client-pricing';
import type { OnDemandPriceSource, OnDemandQuote } from '../pricing/pricingTypes';
import { toUserError } from './awsErrors';
import { onDemandUsdPerHour } from './priceListItems';

export interface PriceListOnDemandPricesOptions {
  /** Named profile of the shared AWS config; the SDK's default chain when absent. */
  readonly profile?: string;
  /** Abort one API call after this long. */
  readonly requestTimeoutMs?: number;
  /** SDK attempts per call, retries of throttling and 5xx included (SDK default 3). */
  readonly maxAttempts?: number;
  /** MaxResults per page (1..100); the API's default (100) when absent. */
  readonly pageSize?: number;
  /** Calls in flight at once, over all regions (default 6). */
  readonly concurrency?: number;
  readonly now?: () => number;
}

/** The Price List API has endpoints in a few regions only; us-east-1 serves every region's prices. */
const PRICING_REGION = 'us-east-1';
/** One product per type is expected; a guard against a token that never ends. */
const MAX_PAGES = 10;

/**
 * On-demand EC2 prices from the AWS Price List API (GetProducts), Linux, shared tenancy, no
 * pre-installed software, capacity status "Used": the price a user pays for a plain instance.
 * One call per instance type (TERM_MATCH is the filter type every account's API supports), with a
 * cap on calls in flight because the Price List API allows only a few requests per second.
 */
export class PriceListOnDemandPrices implements OnDemandPriceSource {
  private client?: Promise<PricingClient>;
  private readonly queue: Array<() => void> = [];
  private inFlight = 0;

  constructor(private readonly options: PriceListOnDemandPricesOptions = {}) {}

  async onDemandPrices(region: string, instanceTypes: readonly string[]): Promise<Map<string, OnDemandQuote>> {
    const quotes = await Promise.all(instanceTypes.map(async (type) => [type, await this.onDemandPrice(region, type)] as const));
    return new Map(quotes.flatMap(([type, quote]) => (quote ? [[type, quote] as const] : [])));
  }

  /** The hourly price, or undefined when the offer has no such product (type not sold there). */
  async onDemandPrice(region: string, instanceType: string): Promise<OnDemandQuote | undefined> {
    try {
      return await this.limited(() => this.fetch(region, instanceType));
    } catch (error) {
      throw toUserError(error, { action: `Reading on-demand prices for ${region} from the Price List API`, region: PRICING_REGION });
    }
  }

  /** Closes the client's sockets. */
  dispose(): void {
    void this.client?.then((client) => client.destroy()).catch(() => undefined);
    this.client = undefined;
  }

  private async fetch(region: string, instanceType: string): Promise<OnDemandQuote | undefined> {
    const { GetProductsCommand } = await import('@aws-sdk/client-pricing');
    const client = await this.pricingClient();
    const term = (Field: string, Value: string) => ({ Type: 'TERM_MATCH' as const, Field, Value });
    const Filters = [
      term('instanceType', instanceType),
      term('regionCode', region),
      term('operatingSystem', 'Linux'),
      term('tenancy', 'Shared'),
      term('preInstalledSw', 'NA'),
      term('capacitystatus', 'Used'),
    ];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const signal = this.options.requestTimeoutMs !== undefined ? AbortSignal.timeout(this.options.requestTimeoutMs) : undefined;
      const page: GetProductsCommandOutput = await client.send(
        new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters, FormatVersion: 'aws_v1', MaxResults: this.options.pageSize, NextToken: nextToken }),
        signal ? { abortSignal: signal } : {},
      );
      const items: unknown[] = Array.isArray(page.PriceList) ? page.PriceList : [];
      for (const item of items) {
        const usdPerHour = onDemandUsdPerHour(item, { instanceType, regionCode: region });
        if (usdPerHour !== undefined) return { usdPerHour, fetchedAt: (this.options.now ?? Date.now)() };
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken && ++pages < MAX_PAGES);
    return undefined;
  }

  private pricingClient(): Promise<PricingClient> {
    if (!this.client) {
      const { profile, maxAttempts } = this.options;
      // Lazily loaded: the build puts the SDK in its own bundle, so the extension starts without it.
      this.client = import('@aws-sdk/client-pricing').then(({ PricingClient: Client }) => new Client({ region: PRICING_REGION, ...(profile ? { profile } : {}), ...(maxAttempts ? { maxAttempts } : {}) }));
    }
    return this.client;
  }

  /** Runs `task` once fewer than `concurrency` calls are in flight; a finishing call hands its slot on. */
  private async limited<T>(task: () => Promise<T>): Promise<T> {
    if (this.inFlight < (this.options.concurrency ?? 6)) this.inFlight++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
