import { CLOUD_FACTS, type CloudId } from '../cloud/clouds';
import { rankOtherCloudOptions, type OtherCloudOption } from '../launch/crossCloudPreflight';
import { PREFLIGHT_JOB_HOURS } from '../launch/preflightEstimate';
import { egressCostUsd, formatUsd } from '../pricing/egressPrices';
import type { Pool } from '../pricing/pricingTypes';
import type { ComparedPool, PriceComparison, PriceMoveVerdict } from '../recovery/crossCloudTypes';
import type { CheckpointUploads } from '../throughput/checkpointUploads';

export interface PriceMoveInput {
  /** The replacement's pools on the session's own cloud, priced (PriceService.scanPools). */
  readonly home: readonly Pool[];
  /** The other clouds' pools the profile names, priced (PriceService.otherCloudPricedPools). */
  readonly others: readonly Pool[];
  /** The profile's moveAcrossClouds.cheaperByPercent. */
  readonly cheaperByPercent: number;
  /** USD per hour a pool may cost on each other cloud (its otherClouds entry's maxPrice, else the profile's). */
  readonly maxPrice: Readonly<Partial<Record<CloudId, number>>>;
  /** The checkpoint that would be copied out; undefined when no size is known yet. */
  readonly checkpointBytes?: number;
  readonly checkpointsOnNotice: boolean;
  /** The lineage's measured checkpoint uploads: a notice checkpoint counts only where it fits that cloud's notice. */
  readonly uploads?: CheckpointUploads;
  readonly now: number;
}

/**
 * Whether a session moves to another cloud for price at a notice: the pre-flight's cost model
 * (crossCloudPreflight.ts: the job's expected Spot cost with each cloud's interruption rate and
 * notice length) over the cheapest live pool on each side, the checkpoint's egress added to the
 * other cloud's cost. It moves when that is at least the profile's margin below the cost here.
 * Only live prices count: a catalog figure can be hours old, and a move is not undone cheaply.
 */
export function decidePriceMove(input: PriceMoveInput): PriceMoveVerdict {
  const home = cheapestLive(input.home, input);
  if (!home) return { move: false, reason: `no live Spot price for the replacement's pools (${describePools(input.home)})` };
  const affordable = input.others.filter((pool) => pool.spot.usdPerHour <= (input.maxPrice[pool.cloud] ?? Infinity));
  const other = cheapestLive(affordable, input);
  if (!other) {
    const reason = input.others.length > affordable.length ? `every other cloud's pool is above its maxPrice or has no live price (${describePools(input.others)})` : `no live Spot price on the other clouds (${describePools(input.others)})`;
    return { move: false, reason };
  }
  const egressUsd = input.checkpointBytes !== undefined ? egressCostUsd(home.cloud, input.checkpointBytes) : 0;
  const fromJobUsd = home.jobCostUsd!;
  const toJobUsd = other.jobCostUsd!;
  const percentCheaper = fromJobUsd > 0 ? ((fromJobUsd - (toJobUsd + egressUsd)) / fromJobUsd) * 100 : 0;
  const comparison: PriceComparison = {
    from: compared(home),
    to: compared(other),
    fromUsdPerHour: home.pool.spot.usdPerHour,
    toUsdPerHour: other.pool.spot.usdPerHour,
    jobHours: PREFLIGHT_JOB_HOURS,
    ...(input.checkpointBytes !== undefined ? { checkpointBytes: input.checkpointBytes } : {}),
    egressUsd,
    percentCheaper,
    cheaperByPercent: input.cheaperByPercent,
  };
  const figures = `${CLOUD_FACTS[other.cloud].label} ${other.region} ${other.pool.instanceType} $${toJobUsd.toFixed(2)} + egress ${formatUsd(egressUsd)} vs ${CLOUD_FACTS[home.cloud].label} ${home.region} ${home.pool.instanceType} $${fromJobUsd.toFixed(2)} for a ${PREFLIGHT_JOB_HOURS} h job`;
  return percentCheaper >= input.cheaperByPercent
    ? { move: true, comparison, reason: `${figures}: ${percentCheaper.toFixed(1)} % cheaper, at least the ${input.cheaperByPercent} % margin` }
    : { move: false, comparison, reason: `${figures}: ${percentCheaper.toFixed(1)} % cheaper, below the ${input.cheaperByPercent} % margin` };
}

/** The live pool with the lowest expected job cost, by the pre-flight's ranking. */
function cheapestLive(pools: readonly Pool[], input: PriceMoveInput): OtherCloudOption | undefined {
  const live = pools.filter((pool) => pool.spot.source === 'live');
  return rankOtherCloudOptions(live, { checkpointsOnNotice: input.checkpointsOnNotice, ...(input.uploads ? { uploads: input.uploads } : {}), now: input.now }).find((option) => option.jobCostUsd !== undefined);
}

function compared(option: OtherCloudOption): ComparedPool {
  const { pool } = option;
  return { cloud: pool.cloud, region: pool.region, instanceType: pool.instanceType, usdPerHour: pool.spot.usdPerHour, source: pool.spot.source, asOf: pool.spot.asOf, jobUsd: option.jobCostUsd! };
}

function describePools(pools: readonly Pool[]): string {
  if (pools.length === 0) return 'none priced';
  return pools.map((pool) => `${pool.instanceType} ${pool.region} ${pool.spot.source}`).join(', ');
}
