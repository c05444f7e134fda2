import { awsCatalogSpot } from '../../pricing/catalogPools';
import type { Catalogs } from '../../pricing/catalogTypes';
import { awsGpuSpec } from '../../pricing/gpuSpecs';
import type { GpuSpec } from '../../pricing/pricingTypes';

export interface RegionalPrice {
  readonly usdPerHour: number;
  readonly region: string;
  readonly instanceType: string;
}

/** A GPU need the chosen regions can meet, e.g. "4x A10G", with the types a profile would expand it to. */
export interface GpuNeedOption {
  readonly key: string;
  readonly model: string;
  readonly count: number;
  readonly instanceTypes: readonly string[];
  readonly cheapestOnDemand: RegionalPrice;
}

export interface InstanceTypeOption {
  readonly instanceType: string;
  readonly gpu: GpuSpec;
  readonly cheapestOnDemand: RegionalPrice;
  /** The chosen regions that offer it. */
  readonly regions: readonly string[];
}

/** Catalog GPU types offered in at least one of the regions, cheapest on-demand first. */
export function instanceTypeOptions(catalogs: Catalogs, regions: readonly string[]): InstanceTypeOption[] {
  const options: InstanceTypeOption[] = [];
  for (const [instanceType, entry] of Object.entries(catalogs.onDemand.instanceTypes)) {
    const gpu = awsGpuSpec(instanceType);
    const offered = regions.filter((region) => entry.prices[region] !== undefined);
    if (!gpu || offered.length === 0) continue;
    const cheapestRegion = offered.reduce((best, region) => (entry.prices[region].usdPerHour < entry.prices[best].usdPerHour ? region : best));
    options.push({ instanceType, gpu, regions: offered, cheapestOnDemand: { usdPerHour: entry.prices[cheapestRegion].usdPerHour, region: cheapestRegion, instanceType } });
  }
  return options.sort((a, b) => a.cheapestOnDemand.usdPerHour - b.cheapestOnDemand.usdPerHour || a.instanceType.localeCompare(b.instanceType));
}

/**
 * Every GPU need ("N x model") some offered type has exactly, cheapest first. A profile's need means
 * "at least N", so each lists every offered type of that model with N or more GPUs.
 */
export function gpuNeedOptions(catalogs: Catalogs, regions: readonly string[]): GpuNeedOption[] {
  const types = instanceTypeOptions(catalogs, regions);
  const needs = new Map<string, GpuNeedOption>();
  for (const { gpu } of types) {
    const key = `${gpu.count}x ${gpu.model}`;
    if (needs.has(key)) continue;
    const fitting = types.filter((option) => option.gpu.model === gpu.model && option.gpu.count >= gpu.count);
    needs.set(key, { key, model: gpu.model, count: gpu.count, instanceTypes: fitting.map((option) => option.instanceType).sort(), cheapestOnDemand: fitting[0].cheapestOnDemand });
  }
  return [...needs.values()].sort((a, b) => a.cheapestOnDemand.usdPerHour - b.cheapestOnDemand.usdPerHour || a.key.localeCompare(b.key));
}

/** The catalogs' own spot estimate (on-demand less the advisor's savings): the offline fallback. */
export function cheapestCatalogSpot(catalogs: Catalogs, regions: readonly string[], instanceTypes: readonly string[]): RegionalPrice | undefined {
  let best: RegionalPrice | undefined;
  for (const region of regions) {
    for (const instanceType of instanceTypes) {
      const spot = awsCatalogSpot(catalogs, region, instanceType);
      if (spot && (!best || spot.usdPerHour < best.usdPerHour)) best = { usdPerHour: spot.usdPerHour, region, instanceType };
    }
  }
  return best;
}

/** "$1.006/h" */
export function usd(value: number): string {
  return `$${value < 10 ? value.toFixed(3) : value.toFixed(2)}/h`;
}
