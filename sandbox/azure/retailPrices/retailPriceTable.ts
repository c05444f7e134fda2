/**
 * The meters the sandbox's Retail Prices API lists, in its item shape: for each GPU size of
 * resources/prices/azure-gpu.json and each of its regions a Linux pay-as-you-go meter, a Linux Spot
 * meter, Windows meters, a Low Priority meter, a dev/test and a reservation price (the last four so a
 * client is seen to leave them out), plus general-purpose sizes and a storage meter as noise.
 * Prices are the catalog's moved by a few per cent, fixed per meter: a test can tell live from catalog.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One item as the API returns it (2023-01-01-preview, without savings plans). */
export interface RetailPriceItem {
  readonly currencyCode: string;
  readonly tierMinimumUnits: number;
  readonly reservationTerm?: string;
  readonly retailPrice: number;
  readonly unitPrice: number;
  readonly armRegionName: string;
  readonly location: string;
  readonly effectiveStartDate: string;
  readonly meterId: string;
  readonly meterName: string;
  readonly productId: string;
  readonly skuId: string;
  readonly productName: string;
  readonly skuName: string;
  readonly serviceName: string;
  readonly serviceId: string;
  readonly serviceFamily: string;
  readonly unitOfMeasure: string;
  readonly type: string;
  readonly isPrimaryMeterRegion: boolean;
  readonly armSkuName: string;
}

/** The part of resources/prices/azure-gpu.json read here. */
export interface AzureGpuCatalog {
  readonly instanceTypes: Record<string, { readonly prices: Record<string, { readonly onDemandUsdPerHour: number; readonly spotUsdPerHour: number }> }>;
}

const CATALOG_FILE = path.join('resources', 'prices', 'azure-gpu.json');

/** Walks up from this file so the catalog is found both from sources and from compiled out/. */
export function loadAzureGpuCatalog(): AzureGpuCatalog {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, CATALOG_FILE);
    if (fs.existsSync(candidate)) return JSON.parse(fs.readFileSync(candidate, 'utf8')) as AzureGpuCatalog;
    dir = path.dirname(dir);
  }
  throw new Error(`Azure price catalog ${CATALOG_FILE} not found above ${__dirname}`);
}

/** Azure's display names of the regions (the `location` field). */
const LOCATIONS: Readonly<Record<string, string>> = {
  eastus: 'US East',
  eastus2: 'US East 2',
  westus2: 'US West 2',
  westus3: 'US West 3',
  southcentralus: 'US South Central',
  westeurope: 'EU West',
  northeurope: 'EU North',
  uksouth: 'UK South',
  japaneast: 'JA East',
};

/** General-purpose sizes, priced per vCPU: noise a client's filter must skip. */
const NOISE_SIZES: ReadonlyArray<[size: string, onDemand: number]> = [
  ['Standard_D4s_v5', 0.192],
  ['Standard_D8s_v5', 0.384],
  ['Standard_E8s_v5', 0.504],
  ['Standard_F16s_v2', 0.677],
  ['Standard_B2s', 0.0416],
];

/** A value in [0, 1) fixed by its inputs. */
function unitHash(...parts: string[]): number {
  return createHash('sha256').update(parts.join('|')).digest().readUInt32BE(0) / 0x100000000;
}

function guid(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function productCode(...parts: string[]): string {
  return `DZH318Z0${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 4).toUpperCase()}`;
}

/** `Standard_NC24ads_A100_v4` -> meter "NC24ads A100 v4", series "NCads A100 v4" (the product name's). */
export function meterNames(size: string): { meter: string; series: string } {
  const meter = size.replace(/^Standard_/, '').replace(/_/g, ' ');
  const [first, ...rest] = meter.split(' ');
  return { meter, series: [first.replace(/\d+/g, ''), ...rest].join(' ') };
}

/** The catalog's price moved by -4..+4 %, rounded as Azure rounds hourly prices (4 decimals). */
function near(price: number, ...key: string[]): number {
  const factor = 1 + (unitHash(...key) * 8 - 4) / 100;
  const moved = Math.round(price * factor * 10_000) / 10_000;
  return moved === price ? Math.round((price + 0.0001) * 10_000) / 10_000 : moved;
}

interface Meter {
  readonly size: string;
  readonly region: string;
  readonly skuName: string;
  readonly productName: string;
  readonly price: number;
  readonly type?: string;
  readonly reservationTerm?: string;
  readonly serviceName?: string;
  readonly serviceFamily?: string;
  readonly unitOfMeasure?: string;
}

function render(meter: Meter, effectiveStartDate: string): RetailPriceItem {
  const product = productCode(meter.productName);
  return {
    currencyCode: 'USD',
    tierMinimumUnits: 0,
    ...(meter.reservationTerm ? { reservationTerm: meter.reservationTerm } : {}),
    retailPrice: meter.price,
    unitPrice: meter.price,
    armRegionName: meter.region,
    location: LOCATIONS[meter.region] ?? meter.region,
    effectiveStartDate,
    meterId: guid(meter.region, meter.productName, meter.skuName),
    meterName: meter.skuName,
    productId: product,
    skuId: `${product}/${guid(meter.skuName).slice(0, 4).toUpperCase()}`,
    productName: meter.productName,
    skuName: meter.skuName,
    serviceName: meter.serviceName ?? 'Virtual Machines',
    serviceId: meter.serviceName === 'Storage' ? 'DZH317F1HKN0' : 'DZH313Z7MMC8',
    serviceFamily: meter.serviceFamily ?? 'Compute',
    unitOfMeasure: meter.unitOfMeasure ?? '1 Hour',
    type: meter.type ?? 'Consumption',
    isPrimaryMeterRegion: true,
    armSkuName: meter.size,
  };
}

/**
 * The meters of one size in one region. Windows and Low Priority come first and are cheaper where
 * they can be (Low Priority below Spot), so a client that takes the first or the cheapest match
 * without reading the names gets a wrong price.
 */
function sizeMeters(size: string, region: string, onDemand: number, spot: number): Meter[] {
  const { meter, series } = meterNames(size);
  const linux = `Virtual Machines ${series} Series`;
  const windows = `${linux} Windows`;
  const linuxOnDemand = near(onDemand, size, region, 'on-demand');
  const linuxSpot = near(spot, size, region, 'spot');
  return [
    { size, region, skuName: `${meter} Low Priority`, productName: linux, price: Math.round(linuxSpot * 0.8 * 10_000) / 10_000 },
    { size, region, skuName: `${meter} Spot`, productName: windows, price: Math.round((linuxSpot * 0.95 + 0.0001) * 10_000) / 10_000 },
    { size, region, skuName: meter, productName: windows, price: Math.round(linuxOnDemand * 1.18 * 10_000) / 10_000 },
    { size, region, skuName: meter, productName: linux, price: Math.round(linuxOnDemand * 0.9 * 10_000) / 10_000, type: 'DevTestConsumption' },
    { size, region, skuName: meter, productName: linux, price: Math.round(linuxOnDemand * 8760 * 0.6), type: 'Reservation', reservationTerm: '1 Year' },
    { size, region, skuName: `${meter} Spot`, productName: linux, price: linuxSpot },
    { size, region, skuName: meter, productName: linux, price: linuxOnDemand },
  ];
}

/** Every item, in a stable order (the API pages through it). */
export function retailPriceItems(catalog: AzureGpuCatalog, effectiveStartDate: string): RetailPriceItem[] {
  const meters: Meter[] = [];
  const regions = new Set<string>();
  for (const [size, entry] of Object.entries(catalog.instanceTypes)) {
    for (const [region, price] of Object.entries(entry.prices)) {
      regions.add(region);
      meters.push(...sizeMeters(size, region, price.onDemandUsdPerHour, price.spotUsdPerHour));
    }
  }
  for (const region of regions) {
    for (const [size, onDemand] of NOISE_SIZES) meters.push(...sizeMeters(size, region, onDemand, Math.round(onDemand * 0.2 * 10_000) / 10_000));
    meters.push({ size: '', region, skuName: 'Hot LRS', productName: 'Blob Storage', price: 0.0208, serviceName: 'Storage', serviceFamily: 'Storage', unitOfMeasure: '1 GB/Month' });
  }
  return meters.map((meter) => render(meter, effectiveStartDate));
}
