import type { Instance } from '@aws-sdk/client-ec2';
import { toUserError } from '../aws/awsErrors';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { TAGS } from '../aws/spotboxTags';
import type { SpotPriceSource } from '../pricing/pricingTypes';
import type { Box } from './box';
import { boxFromInstance } from './boxFromInstance';
import type { CloudBoxSource } from './multiCloudBoxSource';
import { boxesOfSettled } from './settledBoxes';

const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

/**
 * The cloud is the source of truth: boxes are the instances tagged by Spotbox, read from every
 * configured region at once, so reloading the editor loses nothing. A region that fails is
 * reported; the others still show.
 */
export class Ec2BoxSource implements CloudBoxSource {
  readonly cloud = 'aws' as const;
  readonly description: string;
  /** Regions whose last read failed, with why; shown to the user next to the tree. */
  lastProblems: string[] = [];

  constructor(
    private readonly clients: Ec2ClientPool,
    private readonly regions: () => readonly string[],
    private readonly spotPrices: SpotPriceSource,
  ) {
    this.description = 'EC2 (instances tagged spotbox:box)';
  }

  async listBoxes(): Promise<Box[]> {
    const regions = this.regions();
    const results = await Promise.allSettled(regions.map((region) => this.listRegion(region)));
    const problems = results.flatMap((result, index) => (result.status === 'rejected' ? [`${regions[index]}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`] : []));
    this.lastProblems = problems;
    return boxesOfSettled(results, problems);
  }

  private async listRegion(region: string): Promise<Box[]> {
    const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
    const ec2 = await this.clients.client(region);
    const instances: Instance[] = [];
    try {
      let nextToken: string | undefined;
      do {
        const page = await ec2.send(
          new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: [TAGS.box] }, { Name: 'instance-state-name', Values: LIVE_STATES }], NextToken: nextToken }),
        );
        instances.push(...(page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []));
        nextToken = page.NextToken || undefined;
      } while (nextToken);
    } catch (error) {
      throw toUserError(error, { action: 'Listing boxes', region });
    }
    const spotTypes = [...new Set(instances.filter((instance) => instance.InstanceLifecycle === 'spot').map((instance) => instance.InstanceType ?? ''))].filter(Boolean);
    // A missing price shows as "unpriced" rather than failing the list.
    const quotes = spotTypes.length > 0 ? await this.spotPrices.latestSpotPrices(region, spotTypes).catch(() => []) : [];
    return instances.map((instance) => {
      const quote = quotes.find((candidate) => candidate.instanceType === instance.InstanceType && candidate.availabilityZone === instance.Placement?.AvailabilityZone);
      return boxFromInstance(instance, region, quote?.usdPerHour);
    });
  }
}
