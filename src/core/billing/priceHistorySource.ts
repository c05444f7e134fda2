import type { _InstanceType, DescribeSpotPriceHistoryCommandOutput } from '@aws-sdk/client-ec2';
import { toUserError } from '../aws/awsErrors';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import type { PriceChange } from './accruedCost';

/** One spot pool: prices differ per availability zone, so the zone is part of the key. */
export interface PriceHistoryKey {
  readonly region: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
}

/** Where spot price history comes from (EC2 in the editor, a fake in unit tests). */
export interface SpotPriceHistorySource {
  /** The price changes of one pool in [startMs, endMs], including the one in effect at startMs. */
  priceHistory(key: PriceHistoryKey, startMs: number, endMs: number): Promise<PriceChange[]>;
}

export interface Ec2PriceHistoryOptions {
  /** Abort one page after this long. */
  readonly requestTimeoutMs?: number;
}

/** EC2 keeps 90 days of spot price history; asking for more is refused or pointless. */
export const HISTORY_RETENTION_MS = 90 * 24 * 3_600_000;
/** A guard against a NextToken that never ends; 1000 changes per page is months of one pool. */
const MAX_PAGES = 20;

export function priceHistoryKeyId(key: PriceHistoryKey): string {
  return `${key.region}|${key.availabilityZone}|${key.instanceType}`;
}

/**
 * Spot price history of one (region, type, AZ) through the extension's shared per-region EC2
 * clients. The SDK is loaded only here and only by import(): a static import would pull it into
 * the activation bundle.
 */
export class Ec2SpotPriceHistory implements SpotPriceHistorySource {
  constructor(
    private readonly clients: () => Ec2ClientPool,
    private readonly options: Ec2PriceHistoryOptions = {},
  ) {}

  async priceHistory(key: PriceHistoryKey, startMs: number, endMs: number): Promise<PriceChange[]> {
    try {
      const { DescribeSpotPriceHistoryCommand } = await import('@aws-sdk/client-ec2');
      const client = await this.clients().client(key.region);
      const changes: PriceChange[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const signal = this.options.requestTimeoutMs !== undefined ? AbortSignal.timeout(this.options.requestTimeoutMs) : undefined;
        const page: DescribeSpotPriceHistoryCommandOutput = await client.send(
          new DescribeSpotPriceHistoryCommand({
            InstanceTypes: [key.instanceType as _InstanceType],
            AvailabilityZone: key.availabilityZone,
            ProductDescriptions: ['Linux/UNIX'],
            StartTime: new Date(Math.max(startMs, endMs - HISTORY_RETENTION_MS)),
            EndTime: new Date(endMs),
            MaxResults: 1000,
            NextToken: nextToken,
          }),
          signal ? { abortSignal: signal } : {},
        );
        for (const item of page.SpotPriceHistory ?? []) {
          const usdPerHour = Number(item.SpotPrice);
          const timestamp = item.Timestamp?.getTime();
          // Another zone or type would be priced wrongly here; EC2 filters, but a fake or proxy may not.
          if (item.AvailabilityZone === key.availabilityZone && item.InstanceType === key.instanceType && timestamp !== undefined && Number.isFinite(usdPerHour)) {
            changes.push({ timestamp, usdPerHour });
          }
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken && ++pages < MAX_PAGES);
      return changes.sort((a, b) => a.timestamp - b.timestamp);
    } catch (error) {
      throw toUserError(error, { action: 'Reading spot price history', region: key.region });
    }
  }
}
