import { CLOUD_FACTS, type CloudId } from '../cloud/clouds';
import { EGRESS_USD_PER_GB } from '../pricing/egressPrices';
import { priceAgeLabel } from '../pricing/priceAge';
import type { Pool } from '../pricing/pricingTypes';
import type { CheckpointUploads } from '../throughput/checkpointUploads';
import { noticeFitOf } from '../throughput/noticeFit';
import { preflightJobEstimate } from './preflightEstimate';

/** Seconds the agent keeps free before a notice's action time, as for AWS's budget (noticeFit.ts). */
const NOTICE_MARGIN_SECONDS = 10;

export interface OtherCloudOption {
  readonly cloud: CloudId;
  readonly region: string;
  readonly pool: Pool;
  /** The pre-flight job's expected spot cost there; undefined when it cannot be estimated. */
  readonly jobCostUsd?: number;
  readonly text: string;
}

/**
 * Where a session may move when its own cloud has no Spot capacity (the profile's otherClouds):
 * each (cloud, region) at its cheapest pool, ranked by the expected cost of the pre-flight's job
 * with that cloud's interruption rate and notice length (a notice checkpoint measured on earlier
 * launches counts only if it fits that cloud's notice), each saying where its price came from and
 * how old it is.
 */
export function rankOtherCloudOptions(pools: readonly Pool[], options: { readonly checkpointsOnNotice: boolean; readonly uploads?: CheckpointUploads; readonly now: number }): OtherCloudOption[] {
  const cheapest = new Map<string, Pool>();
  for (const pool of pools) {
    const key = `${pool.cloud} ${pool.region}`;
    const known = cheapest.get(key);
    if (!known || pool.spot.usdPerHour < known.spot.usdPerHour) cheapest.set(key, pool);
  }
  return [...cheapest.values()]
    .map((pool): OtherCloudOption => {
      const cloud = pool.cloud;
      const facts = CLOUD_FACTS[cloud];
      const fit = noticeFitOf(options.uploads, { noticeSeconds: pool.noticeSeconds, noticeMarginSeconds: NOTICE_MARGIN_SECONDS });
      const estimate = preflightJobEstimate(pool, options.checkpointsOnNotice, fit);
      const text = `${facts.label} ${pool.region} ${pool.instanceType} $${pool.spot.usdPerHour.toFixed(3)}/h (${priceAgeLabel(pool.spot, options.now)}), ${pool.noticeSeconds} s notice: ${estimate.line}`;
      return { cloud, region: pool.region, pool, ...(estimate.spotCostUsd !== undefined ? { jobCostUsd: estimate.spotCostUsd } : {}), text };
    })
    .sort((a, b) => (a.jobCostUsd ?? Infinity) - (b.jobCostUsd ?? Infinity));
}

/** The pre-flight's sentence about a move across clouds: the ranked options and what copying the checkpoint out costs. */
export function otherCloudsLine(from: CloudId, options: readonly OtherCloudOption[], unpriced: readonly string[]): string {
  if (options.length === 0 && unpriced.length === 0) return '';
  const ranked = options.map((option, index) => `${index + 1}) ${option.text}`).join('; ');
  const missing = unpriced.length > 0 ? ` No price known for ${unpriced.join(', ')}.` : '';
  return `If ${CLOUD_FACTS[from].label} has no Spot capacity at a notice, the session may move to another cloud, by expected cost of the job: ${ranked || 'none priced'}.${missing} The checkpoint is copied out at ${CLOUD_FACTS[from].label}'s egress list price, $${EGRESS_USD_PER_GB[from]}/GB.`;
}
