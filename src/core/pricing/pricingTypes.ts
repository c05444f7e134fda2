import type { CloudId } from '../cloud/clouds';

export type Cloud = CloudId;

/** A price with where it came from and how old it is; shown wherever the figure appears. */
export interface PricePoint {
  readonly usdPerHour: number;
  readonly source: 'live' | 'catalog';
  /** Epoch milliseconds the figure was observed (live) or the catalog's as-of date. */
  readonly asOf: number;
  /** True when the figure is derived or not sourced precisely (no invented precision). */
  readonly estimate: boolean;
}

export interface InterruptionRate {
  /** Interruptions per hour. */
  readonly perHour: number;
  readonly source: 'advisor-bucket' | 'preset' | 'user' | 'estimate';
  /** e.g. "<5%", "5-10%" ... for advisor buckets (monthly interruption frequency). */
  readonly bucket?: string;
}

export interface GpuSpec {
  /** e.g. H100, A100, A10G, L4, T4, V100, L40S, H200 */
  readonly model: string;
  readonly count: number;
  readonly memoryGiB: number;
}

/** One place a job could run: cloud, region, (zone), instance type, with its prices. */
export interface Pool {
  readonly cloud: Cloud;
  readonly region: string;
  readonly availabilityZone?: string;
  readonly instanceType: string;
  readonly gpu: GpuSpec;
  readonly spot: PricePoint;
  readonly onDemand: PricePoint;
  readonly interruption: InterruptionRate;
  /** Seconds between the preemption notice and the shutdown: 120 on AWS, 30 on GCP and Azure. */
  readonly noticeSeconds: number;
}

/** What went wrong for one region of a scan; the region falls back to its catalog figures. */
export interface RegionNote {
  readonly region: string;
  readonly message: string;
}

export interface PoolQuery {
  /** A GPU need such as "8x H100" or "1x A10G"; or an exact instance type. */
  readonly gpu?: string;
  readonly instanceType?: string;
  /** AWS regions to scan; all catalog regions when absent. */
  readonly regions?: readonly string[];
  /** Include GCP and Azure equivalents from their catalogs. */
  readonly includeOtherClouds?: boolean;
}

export interface PoolScan {
  /** Cheapest spot first. */
  readonly pools: readonly Pool[];
  readonly notes: readonly RegionNote[];
}

/** One current spot price of one AZ, as a live source reports it. */
export interface SpotPriceQuote {
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly usdPerHour: number;
  /** Epoch milliseconds the price took effect. */
  readonly timestamp: number;
}

/** Where live spot prices come from (EC2 in production, a fake in unit tests). */
export interface SpotPriceSource {
  latestSpotPrices(region: string, instanceTypes: readonly string[]): Promise<SpotPriceQuote[]>;
}

/** The on-demand price of one instance type in one region, as a live source reports it. */
export interface OnDemandQuote {
  readonly usdPerHour: number;
  /** Epoch milliseconds the price was read. */
  readonly fetchedAt: number;
}

/** Where live on-demand prices come from (the Price List API in production, a fake in unit tests). */
export interface OnDemandPriceSource {
  /** Prices by instance type; a type the source has no price for is left out, a failed call throws. */
  onDemandPrices(region: string, instanceTypes: readonly string[]): Promise<Map<string, OnDemandQuote>>;
}
