import type { _InstanceType, DescribeSpotPriceHistoryCommandOutput } from '@aws-sdk/client-ec2';
import type { SpotPriceQuote, SpotPriceSource } from '../pricing/pricingTypes';
import { toUserError } from './awsErrors';
import { Ec2ClientPool } from './ec2ClientPool';

export interface Ec2SpotPricesOptions {
  /** Named profile of the shared AWS config; the SDK's default chain (AWS_PROFILE, ...) when absent. */
  readonly profile?: string;
  /** Abort one API call after this long; the region then counts as failed. */
  readonly requestTimeoutMs?: number;
  /** SDK attempts per call, retries of throttling and 5xx included (SDK default 3). */
  readonly maxAttempts?: number;
  /** MaxResults per page (5..1000); EC2's default when absent. */
  readonly pageSize?: number;
  readonly now?: () => number;
  /** Shares the extension's per-region clients instead of creating its own. */
  readonly clients?: Ec2ClientPool;
}

/** Enough pages for every AZ x type of a region; a guard against a token that never ends. */
const MAX_PAGES = 50;

/**
 * Current EC2 spot prices. The SDK is loaded lazily (the build puts it in its own bundle, so the
 * extension starts without it) and the standard AWS config decides endpoint and credentials.
 */
export class Ec2SpotPrices implements SpotPriceSource {
  private readonly clients: Ec2ClientPool;
  /** A pool passed in belongs to the caller, who disposes it. */
  private readonly ownsClients: boolean;

  constructor(private readonly options: Ec2SpotPricesOptions = {}) {
    this.ownsClients = options.clients === undefined;
    this.clients = options.clients ?? new Ec2ClientPool({ profile: options.profile, maxAttempts: options.maxAttempts });
  }

  async latestSpotPrices(region: string, instanceTypes: readonly string[]): Promise<SpotPriceQuote[]> {
    if (instanceTypes.length === 0) return [];
    try {
      const { DescribeSpotPriceHistoryCommand } = await import('@aws-sdk/client-ec2');
      const client = await this.clients.client(region);
      // StartTime = now: EC2 answers with the price in effect now, one entry per AZ and type.
      const startTime = new Date((this.options.now ?? Date.now)());
      const latest = new Map<string, SpotPriceQuote>();
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const signal = this.options.requestTimeoutMs !== undefined ? AbortSignal.timeout(this.options.requestTimeoutMs) : undefined;
        const page: DescribeSpotPriceHistoryCommandOutput = await client.send(
          new DescribeSpotPriceHistoryCommand({ InstanceTypes: instanceTypes as _InstanceType[], ProductDescriptions: ['Linux/UNIX'], StartTime: startTime, NextToken: nextToken, MaxResults: this.options.pageSize }),
          signal ? { abortSignal: signal } : {},
        );
        for (const item of page.SpotPriceHistory ?? []) addQuote(latest, item);
        nextToken = page.NextToken || undefined;
      } while (nextToken && ++pages < MAX_PAGES);
      return [...latest.values()];
    } catch (error) {
      throw toUserError(error, { action: 'Reading spot prices', region });
    }
  }

  /** Closes the cached clients' sockets (only when this object created them). */
  dispose(): void {
    if (this.ownsClients) {
      this.clients.dispose();
    }
  }
}

/** Keeps the newest entry per (type, AZ): history may include older points of the same pool. */
function addQuote(latest: Map<string, SpotPriceQuote>, item: { InstanceType?: string; AvailabilityZone?: string; SpotPrice?: string; Timestamp?: Date }): void {
  const usdPerHour = Number(item.SpotPrice);
  if (!item.InstanceType || !item.AvailabilityZone || !Number.isFinite(usdPerHour) || usdPerHour <= 0) return;
  const timestamp = item.Timestamp?.getTime() ?? 0;
  const key = `${item.InstanceType}@${item.AvailabilityZone}`;
  const current = latest.get(key);
  if (!current || timestamp > current.timestamp) latest.set(key, { instanceType: item.InstanceType, availabilityZone: item.AvailabilityZone, usdPerHour, timestamp });
}
