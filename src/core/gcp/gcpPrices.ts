import { LiveCache } from '../pricing/liveCache';
import type { LivePoolPricer } from '../pricing/priceService';
import type { Pool, PricePoint } from '../pricing/pricingTypes';
import type { GcpHttp } from './gcpHttp';

/** Compute Engine's service id in the Cloud Billing Catalog. */
export const COMPUTE_ENGINE_SERVICE = '6F81-5844-456A';

/** A SKU as `services.skus.list` returns it (the fields read here). */
export interface BillingSku {
  readonly skuId?: string;
  readonly description: string;
  readonly category: { readonly resourceFamily?: string; readonly resourceGroup?: string; readonly usageType?: string };
  readonly serviceRegions?: readonly string[];
  readonly pricingInfo?: ReadonlyArray<{
    readonly effectiveTime?: string;
    readonly pricingExpression?: {
      readonly usageUnit?: string;
      readonly tieredRates?: ReadonlyArray<{ readonly startUsageAmount?: number; readonly unitPrice?: { readonly currencyCode?: string; readonly units?: string; readonly nanos?: number } }>;
    };
  }>;
}

/** What a machine is made of, for pricing: vCPUs, memory, GPUs. */
export interface GcpMachineShape {
  /** The machine type Google bills (`n1-standard-8` for the catalog's `n1-standard-8+1xT4`). */
  readonly machineType: string;
  readonly vCpus: number;
  readonly memoryGiB: number;
  readonly gpu?: { readonly model: string; readonly memoryGiB: number; readonly count: number };
}

/** One machine in one region: spot and on-demand per hour, each the sum of its parts. */
export interface GcpMachinePrice {
  readonly spotUsdPerHour?: number;
  readonly onDemandUsdPerHour?: number;
  /** SKU descriptions used, for the tooltip and the log. */
  readonly skus: readonly string[];
  /** Parts no SKU was found for (the price is then left out). */
  readonly missing: readonly string[];
}

/**
 * Shapes of the GCP types the price catalog lists, from Google's machine type tables (memory in
 * GiB as `machineTypes.get` reports it: memoryMb / 1024). Types outside the table can be priced by
 * passing a shape read with ComputeClient.getMachineType.
 */
export const GCP_MACHINE_SHAPES: Readonly<Record<string, GcpMachineShape>> = {
  'a2-highgpu-1g': { machineType: 'a2-highgpu-1g', vCpus: 12, memoryGiB: 85, gpu: { model: 'A100', memoryGiB: 40, count: 1 } },
  'a2-highgpu-2g': { machineType: 'a2-highgpu-2g', vCpus: 24, memoryGiB: 170, gpu: { model: 'A100', memoryGiB: 40, count: 2 } },
  'a2-highgpu-4g': { machineType: 'a2-highgpu-4g', vCpus: 48, memoryGiB: 340, gpu: { model: 'A100', memoryGiB: 40, count: 4 } },
  'a2-highgpu-8g': { machineType: 'a2-highgpu-8g', vCpus: 96, memoryGiB: 680, gpu: { model: 'A100', memoryGiB: 40, count: 8 } },
  'a2-megagpu-16g': { machineType: 'a2-megagpu-16g', vCpus: 96, memoryGiB: 1360, gpu: { model: 'A100', memoryGiB: 40, count: 16 } },
  'a2-ultragpu-1g': { machineType: 'a2-ultragpu-1g', vCpus: 12, memoryGiB: 170, gpu: { model: 'A100', memoryGiB: 80, count: 1 } },
  'a2-ultragpu-2g': { machineType: 'a2-ultragpu-2g', vCpus: 24, memoryGiB: 340, gpu: { model: 'A100', memoryGiB: 80, count: 2 } },
  'a2-ultragpu-4g': { machineType: 'a2-ultragpu-4g', vCpus: 48, memoryGiB: 680, gpu: { model: 'A100', memoryGiB: 80, count: 4 } },
  'a2-ultragpu-8g': { machineType: 'a2-ultragpu-8g', vCpus: 96, memoryGiB: 1360, gpu: { model: 'A100', memoryGiB: 80, count: 8 } },
  'a3-highgpu-8g': { machineType: 'a3-highgpu-8g', vCpus: 208, memoryGiB: 1872, gpu: { model: 'H100', memoryGiB: 80, count: 8 } },
  'g2-standard-4': { machineType: 'g2-standard-4', vCpus: 4, memoryGiB: 16, gpu: { model: 'L4', memoryGiB: 24, count: 1 } },
  'g2-standard-8': { machineType: 'g2-standard-8', vCpus: 8, memoryGiB: 32, gpu: { model: 'L4', memoryGiB: 24, count: 1 } },
  'g2-standard-12': { machineType: 'g2-standard-12', vCpus: 12, memoryGiB: 48, gpu: { model: 'L4', memoryGiB: 24, count: 1 } },
  'g2-standard-16': { machineType: 'g2-standard-16', vCpus: 16, memoryGiB: 64, gpu: { model: 'L4', memoryGiB: 24, count: 1 } },
  'g2-standard-24': { machineType: 'g2-standard-24', vCpus: 24, memoryGiB: 96, gpu: { model: 'L4', memoryGiB: 24, count: 2 } },
  'g2-standard-32': { machineType: 'g2-standard-32', vCpus: 32, memoryGiB: 128, gpu: { model: 'L4', memoryGiB: 24, count: 1 } },
  'g2-standard-48': { machineType: 'g2-standard-48', vCpus: 48, memoryGiB: 192, gpu: { model: 'L4', memoryGiB: 24, count: 4 } },
  'g2-standard-96': { machineType: 'g2-standard-96', vCpus: 96, memoryGiB: 384, gpu: { model: 'L4', memoryGiB: 24, count: 8 } },
};

const N1_GPU_MEMORY: Readonly<Record<string, number>> = { T4: 16, V100: 16, P4: 8, P100: 16 };

/**
 * The shape of a catalog type: a table entry, or `n1-standard-N[+KxMODEL]` (N vCPUs, 3.75 GB each,
 * K attached GPUs), the catalog's spelling of an N1 box with GPUs.
 */
export function gcpMachineShape(instanceType: string): GcpMachineShape | undefined {
  const known = GCP_MACHINE_SHAPES[instanceType];
  if (known) return known;
  const n1 = /^(n1-standard-(\d+))(?:\+(\d+)x([A-Za-z0-9]+))?$/.exec(instanceType);
  if (!n1) return undefined;
  const vCpus = Number(n1[2]);
  const model = n1[4]?.toUpperCase();
  if (model !== undefined && !(model in N1_GPU_MEMORY)) return undefined;
  return { machineType: n1[1], vCpus, memoryGiB: vCpus * 3.75, ...(model ? { gpu: { model, memoryGiB: N1_GPU_MEMORY[model], count: Number(n1[3]) } } : {}) };
}

/** How a series' core and RAM SKUs are described (as Google names them in the catalog). */
const SERIES_DESCRIPTION: Readonly<Record<string, string>> = {
  a2: 'A2 Instance',
  a3: 'A3 Instance',
  g2: 'G2 Instance',
  n1: 'N1 Predefined Instance',
};

/** SKUs that are not the plain pay-as-you-go price (commitments, sole tenancy, custom shapes, ...). */
const NOT_LIST_PRICE = /commitment|custom|premium|reserved|sole tenancy|extended|virtual workstation|dws|calendar|flex/i;

/** Text in a GPU SKU's description for a model (A100 40 GB's does not contain "80GB"). */
function gpuDescription(gpu: { model: string; memoryGiB: number }): RegExp | undefined {
  switch (gpu.model.toUpperCase()) {
    case 'A100':
      return gpu.memoryGiB >= 80 ? /\bA100 80GB GPU\b/ : /\bA100 GPU\b/;
    case 'H100':
      return /\bH100 80GB GPU\b/;
    case 'L4':
      return /\bL4 GPU\b/;
    case 'T4':
      return /\bT4 GPU\b/;
    case 'V100':
      return /\bV100 GPU\b/;
    case 'P100':
      return /\bP100 GPU\b/;
    case 'P4':
      return /\bP4 GPU\b/;
    default:
      return undefined;
  }
}

/** `units + nanos / 1e9` of the first tier; undefined when the SKU has no USD unit price. */
export function unitPrice(sku: BillingSku): number | undefined {
  const expression = sku.pricingInfo?.[0]?.pricingExpression;
  const tiers = expression?.tieredRates ?? [];
  const tier = tiers.find((rate) => (rate.startUsageAmount ?? 0) === 0) ?? tiers[0];
  const price = tier?.unitPrice;
  if (!price || (price.currencyCode && price.currencyCode !== 'USD')) return undefined;
  const value = Number(price.units ?? '0') + (price.nanos ?? 0) / 1e9;
  return Number.isFinite(value) ? value : undefined;
}

type Part = 'core' | 'ram' | 'gpu';

function skuPart(sku: BillingSku): Part | undefined {
  const group = sku.category.resourceGroup;
  if (group === 'GPU') return 'gpu';
  if (group === 'CPU') return 'core';
  if (group === 'RAM') return 'ram';
  // N1's SKUs sit in one group and say which part they are.
  if (group === 'N1Standard') return /\bCore\b/.test(sku.description) ? 'core' : /\bRam\b/.test(sku.description) ? 'ram' : undefined;
  return undefined;
}

/** The SKUs that can price a VM: Compute, on-demand or spot (Preemptible), list price. */
export function relevantSkus(skus: readonly BillingSku[]): BillingSku[] {
  return skus.filter(
    (sku) => sku.category.resourceFamily === 'Compute' && (sku.category.usageType === 'OnDemand' || sku.category.usageType === 'Preemptible') && !NOT_LIST_PRICE.test(sku.description) && skuPart(sku) !== undefined,
  );
}

/** VM price = core SKU x vCPUs + RAM SKU x GiB (+ GPU SKU x GPUs), per usage type, in one region. */
export function priceMachine(skus: readonly BillingSku[], shape: GcpMachineShape, region: string): GcpMachinePrice {
  const series = shape.machineType.split('-')[0];
  const seriesText = SERIES_DESCRIPTION[series];
  const gpuText = shape.gpu ? gpuDescription(shape.gpu) : undefined;
  const used: string[] = [];
  const missing: string[] = [];
  const find = (part: Part, usage: 'OnDemand' | 'Preemptible'): BillingSku | undefined =>
    skus.find((sku) => {
      if (sku.category.usageType !== usage || !(sku.serviceRegions ?? []).includes(region) || skuPart(sku) !== part) return false;
      if (part === 'gpu') return gpuText !== undefined && gpuText.test(sku.description);
      return seriesText !== undefined && sku.description.toLowerCase().includes(seriesText.toLowerCase());
    });
  const total = (usage: 'OnDemand' | 'Preemptible'): number | undefined => {
    const label = usage === 'OnDemand' ? 'on-demand' : 'spot';
    const parts: Array<[Part, number]> = [
      ['core', shape.vCpus],
      ['ram', shape.memoryGiB],
      ...(shape.gpu ? [['gpu', shape.gpu.count] as [Part, number]] : []),
    ];
    let sum = 0;
    let complete = true;
    for (const [part, quantity] of parts) {
      const sku = find(part, usage);
      const price = sku && unitPrice(sku);
      if (!sku || price === undefined) {
        missing.push(`${label} ${part === 'gpu' ? `${shape.gpu?.model} GPU` : `${series.toUpperCase()} ${part}`} in ${region}`);
        complete = false;
        continue;
      }
      used.push(sku.description);
      sum += price * quantity;
    }
    return complete ? round5(sum) : undefined;
  };
  const onDemand = total('OnDemand');
  const spot = total('Preemptible');
  return { ...(spot !== undefined ? { spotUsdPerHour: spot } : {}), ...(onDemand !== undefined ? { onDemandUsdPerHour: onDemand } : {}), skus: used, missing };
}

export interface CloudBillingPricesOptions {
  readonly http: GcpHttp;
  /** gcloud's cloudbilling endpoint, e.g. `https://cloudbilling.googleapis.com/`. */
  readonly endpoint: string;
  /** SKUs per page (the API allows up to 5000). */
  readonly pageSize?: number;
  readonly now?: () => number;
  /** How long one read of the SKU list is reused (default 6 h: Google changes Spot prices at most once a day). */
  readonly ttlMs?: number;
}

/** Live GCP prices of catalog types: `type -> region -> price`, with when they were read. */
export interface GcpLivePrices {
  readonly fetchedAt: number;
  readonly prices: ReadonlyMap<string, ReadonlyMap<string, GcpMachinePrice>>;
}

const MAX_PAGES = 50;

/** Compute Engine's SKUs from the Cloud Billing Catalog API, priced into machines. */
export class CloudBillingPrices {
  private readonly cache: LiveCache<BillingSku[]>;

  constructor(private readonly options: CloudBillingPricesOptions) {
    this.cache = new LiveCache({ ttlMs: options.ttlMs ?? 6 * 3600_000, now: () => (options.now ?? Date.now)() });
  }

  /** The relevant SKUs, read once per ttl (concurrent callers share one read; a failed read is not kept). */
  async relevantSkus(signal?: AbortSignal): Promise<{ fetchedAt: number; skus: BillingSku[] }> {
    const { fetchedAt, value } = await this.cache.get('compute', async () => relevantSkus(await this.computeSkus(signal)));
    return { fetchedAt, skus: value };
  }

  /** Every Compute Engine SKU, all pages (tens of thousands: several pages of 5,000). */
  async computeSkus(signal?: AbortSignal): Promise<BillingSku[]> {
    const skus: BillingSku[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.options.http.json<{ skus?: BillingSku[]; nextPageToken?: string }>({
        method: 'GET',
        url: `${this.options.endpoint}v1/services/${COMPUTE_ENGINE_SERVICE}/skus`,
        query: { currencyCode: 'USD', pageSize: this.options.pageSize ?? 5000, pageToken },
        retry: true,
        ...(signal ? { signal } : {}),
      });
      skus.push(...(page.skus ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken && ++pages < MAX_PAGES);
    return skus;
  }

  /** Prices of the types in the regions; a type without a known shape is left out. */
  async prices(instanceTypes: readonly string[], regions: readonly string[], signal?: AbortSignal): Promise<GcpLivePrices> {
    // asOf is when the SKUs were read: that is the age a user cares about.
    const { fetchedAt, skus } = await this.relevantSkus(signal);
    const prices = new Map<string, Map<string, GcpMachinePrice>>();
    for (const type of instanceTypes) {
      const shape = gcpMachineShape(type);
      if (!shape) continue;
      const byRegion = new Map<string, GcpMachinePrice>();
      for (const region of regions) byRegion.set(region, priceMachine(skus, shape, region));
      prices.set(type, byRegion);
    }
    return { fetchedAt, prices };
  }
}

/**
 * GCP pools (from the catalog) with live prices where the Billing Catalog had every part: the
 * PricePoints become `source: 'live'`, `asOf` the time they were read, not estimates.
 */
/** The price service's live pricer for GCP pools: one Billing Catalog read (cached) for every type and region asked. */
export function billingPoolPricer(billing: Pick<CloudBillingPrices, 'prices'>): LivePoolPricer {
  return {
    async price(pools) {
      const gcp = pools.filter((pool) => pool.cloud === 'gcp');
      if (gcp.length === 0) return { pools: [...pools] };
      const live = await billing.prices([...new Set(gcp.map((pool) => pool.instanceType))], [...new Set(gcp.map((pool) => pool.region))]);
      return { pools: withLiveGcpPrices(pools, live) };
    },
  };
}

export function withLiveGcpPrices(pools: readonly Pool[], live: GcpLivePrices): Pool[] {
  return pools.map((pool) => {
    if (pool.cloud !== 'gcp') return pool;
    const price = live.prices.get(pool.instanceType)?.get(pool.region);
    const point = (usdPerHour: number | undefined, fallback: PricePoint): PricePoint => (usdPerHour !== undefined ? { usdPerHour, source: 'live', asOf: live.fetchedAt, estimate: false } : fallback);
    return price ? { ...pool, spot: point(price.spotUsdPerHour, pool.spot), onDemand: point(price.onDemandUsdPerHour, pool.onDemand) } : pool;
  });
}

function round5(value: number): number {
  return Math.round(value * 100_000) / 100_000;
}
