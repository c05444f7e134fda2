import { CLOUD_FACTS } from '../cloud/clouds';
import { catalogAsOfMs } from './catalogLoader';
import type { Catalogs, OtherCloudCatalog } from './catalogTypes';
import type { GpuNeed } from './gpuNeed';
import { awsGpuSpec } from './gpuSpecs';
import { type InterruptionChoice, presetForModel, presetRate, rateFromBucket, userRate } from './interruption';
import type { GpuSpec, InterruptionRate, Pool, PricePoint } from './pricingTypes';

/** Seconds of warning before a spot shutdown on AWS (GCP and Azure give 30, from their catalogs). */
export const AWS_NOTICE_SECONDS = CLOUD_FACTS.aws.noticeSeconds;

/** Index of the middle bucket (10-15 %), used where no advisor figure exists. */
const UNKNOWN_BUCKET = 2;

export function gpuFits(gpu: GpuSpec, need: GpuNeed): boolean {
  return gpu.model.toLowerCase() === need.model.toLowerCase() && gpu.count >= need.count;
}

/** AWS types of the catalog that meet the need (same model, at least as many GPUs) or equal the type. */
export function matchingAwsTypes(catalogs: Catalogs, need: GpuNeed | undefined, instanceType: string | undefined): string[] {
  return Object.keys(catalogs.onDemand.instanceTypes).filter((type) => {
    if (instanceType !== undefined) return type === instanceType;
    const gpu = awsGpuSpec(type);
    return need === undefined || (gpu !== undefined && gpuFits(gpu, need));
  });
}

export function awsOnDemand(catalogs: Catalogs, region: string, instanceType: string): PricePoint | undefined {
  const price = catalogs.onDemand.instanceTypes[instanceType]?.prices[region];
  return price && { usdPerHour: price.usdPerHour, source: 'catalog', asOf: catalogAsOfMs(catalogs.onDemand.asOf), estimate: price.estimate };
}

/** Spot from on-demand x (1 - advisor savings %): what a region falls back to without live prices. */
export function awsCatalogSpot(catalogs: Catalogs, region: string, instanceType: string): PricePoint | undefined {
  const onDemand = awsOnDemand(catalogs, region, instanceType);
  const advice = catalogs.advisor.spot_advisor[region]?.Linux[instanceType];
  if (!onDemand || !advice) return undefined;
  return { usdPerHour: round4(onDemand.usdPerHour * (1 - advice.s / 100)), source: 'catalog', asOf: catalogAsOfMs(catalogs.advisor.asOf), estimate: true };
}

export function awsInterruption(catalogs: Catalogs, region: string, instanceType: string, model: string, choice: InterruptionChoice): InterruptionRate {
  if (choice.mode === 'user') return userRate(choice.perHour);
  const preset = choice.mode === 'article-presets' ? presetForModel(model) : undefined;
  if (preset) return presetRate(preset);
  const advice = catalogs.advisor.spot_advisor[region]?.Linux[instanceType];
  return advice ? rateFromBucket(advice.r) : { ...rateFromBucket(UNKNOWN_BUCKET), source: 'estimate' };
}

/** A pool priced from the catalogs only (no live spot price). */
export function awsCatalogPool(catalogs: Catalogs, region: string, instanceType: string, choice: InterruptionChoice): Pool | undefined {
  const gpu = awsGpuSpec(instanceType);
  const onDemand = awsOnDemand(catalogs, region, instanceType);
  const spot = awsCatalogSpot(catalogs, region, instanceType);
  if (!gpu || !onDemand || !spot) return undefined;
  const interruption = awsInterruption(catalogs, region, instanceType, gpu.model, choice);
  return { cloud: 'aws', region, instanceType, gpu, spot, onDemand, interruption, noticeSeconds: AWS_NOTICE_SECONDS };
}

/**
 * GCP or Azure pools meeting the need. Neither cloud publishes interruption buckets: the rate is
 * the AWS advisor's median bucket for the same GPU model, marked as an estimate.
 */
export function otherCloudPools(catalogs: Catalogs, catalog: OtherCloudCatalog, need: GpuNeed | undefined, instanceType: string | undefined, choice: InterruptionChoice): Pool[] {
  const asOf = catalogAsOfMs(catalog.asOf);
  const pools: Pool[] = [];
  for (const [type, entry] of Object.entries(catalog.instanceTypes)) {
    const gpu: GpuSpec = { ...entry.gpu };
    if (instanceType !== undefined ? type !== instanceType : need !== undefined && !gpuFits(gpu, need)) continue;
    const interruption = otherCloudInterruption(catalogs, gpu.model, choice);
    for (const [region, price] of Object.entries(entry.prices)) {
      pools.push({
        cloud: catalog.cloud,
        region,
        instanceType: type,
        gpu,
        spot: { usdPerHour: price.spotUsdPerHour, source: 'catalog', asOf, estimate: price.estimate },
        onDemand: { usdPerHour: price.onDemandUsdPerHour, source: 'catalog', asOf, estimate: price.estimate },
        interruption,
        noticeSeconds: catalog.noticeSeconds,
      });
    }
  }
  return pools;
}

function otherCloudInterruption(catalogs: Catalogs, model: string, choice: InterruptionChoice): InterruptionRate {
  if (choice.mode === 'user') return userRate(choice.perHour);
  const preset = choice.mode === 'article-presets' ? presetForModel(model) : undefined;
  if (preset) return presetRate(preset);
  const ranks: number[] = [];
  for (const byOs of Object.values(catalogs.advisor.spot_advisor)) {
    for (const [type, advice] of Object.entries(byOs.Linux)) if (awsGpuSpec(type)?.model === model) ranks.push(advice.r);
  }
  ranks.sort((a, b) => a - b);
  const median = ranks.length > 0 ? ranks[Math.floor(ranks.length / 2)] : UNKNOWN_BUCKET;
  return { ...rateFromBucket(median), source: 'estimate' };
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
