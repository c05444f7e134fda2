import type { PricingContext } from '../core/calculator/pricingContext';
import { priceAgeLabel } from '../core/pricing/priceAge';
import { CliUsageError } from './cliErrors';
import { formatTable } from './table';

export interface PricesFlags {
  readonly gpu?: string;
  readonly regions?: string;
  readonly json?: boolean;
  readonly limit?: string;
}

/** `spotbox prices --gpu H100`: the cheapest spot pools for a GPU need, across regions and clouds. */
export async function runPrices(flags: PricesFlags, pricing: PricingContext, now: () => number): Promise<string> {
  if (!flags.gpu?.trim()) {
    throw new CliUsageError('--gpu is required, e.g. --gpu H100 or --gpu "8x A100"');
  }
  const regions = flags.regions?.split(',').map((region) => region.trim()).filter(Boolean);
  const unknown = (regions ?? []).filter((region) => !pricing.knownRegions.includes(region));
  if (unknown.length > 0) {
    throw new CliUsageError(`--regions: unknown region ${unknown.join(', ')}; use names such as us-east-1`);
  }
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new CliUsageError(`--limit must be a whole number of at least 1, got "${flags.limit}"`);
  }
  let scan;
  try {
    scan = await pricing.priceService.scanPools({ gpu: flags.gpu, regions, includeOtherClouds: true });
  } catch (error) {
    throw new CliUsageError(`--gpu: ${error instanceof Error ? error.message : String(error)}`);
  }
  const pools = scan.pools.slice(0, limit).map((pool) => ({
    cloud: pool.cloud,
    region: pool.region,
    availabilityZone: pool.availabilityZone ?? null,
    instanceType: pool.instanceType,
    gpu: `${pool.gpu.count}x ${pool.gpu.model}`,
    spotPerHour: pool.spot.usdPerHour,
    onDemandPerHour: pool.onDemand.usdPerHour,
    discountPercent: pool.onDemand.usdPerHour > 0 ? (1 - pool.spot.usdPerHour / pool.onDemand.usdPerHour) * 100 : 0,
    interruptionsPerHour: pool.interruption.perHour,
    noticeSeconds: pool.noticeSeconds,
    priceSource: `${priceAgeLabel(pool.spot, now())}${pool.spot.estimate ? ', estimate' : ''}`,
  }));
  if (flags.json) {
    return JSON.stringify({ pools, notes: scan.notes }, null, 2);
  }
  const table = formatTable(
    ['#', 'Where', 'Type', 'GPUs', 'Spot/h', 'On-demand/h', 'Off', 'Intr./h', 'Notice', 'Source'],
    pools.map((pool, index) => [
      String(index + 1),
      `${pool.cloud} ${pool.region}${pool.availabilityZone ? ` ${pool.availabilityZone}` : ''}`,
      pool.instanceType,
      pool.gpu,
      `$${pool.spotPerHour.toFixed(3)}`,
      `$${pool.onDemandPerHour.toFixed(3)}`,
      `${pool.discountPercent.toFixed(0)}%`,
      `${(pool.interruptionsPerHour * 100).toFixed(2)}%`,
      `${pool.noticeSeconds}s`,
      pool.priceSource,
    ]),
  );
  return [table, ...scan.notes.map((note) => `Note: ${note.region}: ${note.message}`)].join('\n');
}
