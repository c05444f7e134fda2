/**
 * The Azure Retail Prices API's items (https://prices.azure.com/api/retail/prices) and how a VM's
 * Linux Spot and pay-as-you-go prices are picked out of them. Pure: no network here.
 */

/** One meter as the API lists it (the fields read here). */
export interface AzureRetailPriceItem {
  readonly currencyCode?: string;
  readonly retailPrice?: number;
  readonly unitPrice?: number;
  readonly armRegionName?: string;
  readonly armSkuName?: string;
  readonly skuName?: string;
  readonly productName?: string;
  readonly meterName?: string;
  readonly serviceName?: string;
  /** "Consumption", "DevTestConsumption" or "Reservation" (what `priceType` filters on). */
  readonly type?: string;
  readonly isPrimaryMeterRegion?: boolean;
  readonly unitOfMeasure?: string;
  readonly effectiveStartDate?: string;
}

/** One page of the API's answer. */
export interface AzureRetailPricePage {
  readonly Items?: readonly AzureRetailPriceItem[];
  readonly NextPageLink?: string | null;
  readonly Count?: number;
}

/** One size in one region: Linux Spot and pay-as-you-go per hour, and the meters they came from. */
export interface AzureVmPrice {
  readonly spotUsdPerHour?: number;
  readonly onDemandUsdPerHour?: number;
  /** When the region's prices were read. */
  readonly fetchedAt: number;
  /** `skuName`s of the meters used, for the tooltip and the log. */
  readonly meters: readonly string[];
}

/**
 * The API refuses a `$filter` of more than about 20 comparisons with 400 "Invalid OData parameters
 * supplied" (reported by its users), and a filter spends 3 on service, price type and region: ten
 * sizes per request stays well inside that and keeps the URL short.
 */
export const SIZES_PER_REQUEST = 10;

/** OData string literal: a quote inside is doubled. */
function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The `$filter` for pay-as-you-go VM meters of some sizes in one region. `or` in parentheses, not
 * `armSkuName in (...)`: the API rejects `in` (and `not`) although OData has them.
 */
export function vmPricesFilter(region: string, sizes: readonly string[]): string {
  const skus = sizes.map((size) => `armSkuName eq ${literal(size)}`).join(' or ');
  return `serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq ${literal(region)} and (${skus})`;
}

/** Sizes in groups of `SIZES_PER_REQUEST`, sorted so the same set always makes the same requests (and cache keys). */
export function sizeBatches(sizes: readonly string[], perRequest = SIZES_PER_REQUEST): string[][] {
  const sorted = [...new Set(sizes)].sort();
  const batches: string[][] = [];
  for (let start = 0; start < sorted.length; start += perRequest) batches.push(sorted.slice(start, start + perRequest));
  return batches;
}

/**
 * A meter that can price a Linux VM by the hour: Consumption in USD, not Windows (its price includes
 * the licence), not Low Priority (Azure Batch's older preemptible tier), not an expired meter.
 */
function isLinuxHourly(item: AzureRetailPriceItem): boolean {
  const names = `${item.skuName ?? ''} ${item.meterName ?? ''}`;
  return (
    item.type === 'Consumption' &&
    (item.currencyCode ?? 'USD') === 'USD' &&
    item.unitOfMeasure === '1 Hour' &&
    !/windows/i.test(item.productName ?? '') &&
    !/low priority|expired/i.test(names) &&
    typeof (item.retailPrice ?? item.unitPrice) === 'number'
  );
}

/** Spot meters say so in their SKU (or meter) name: "NC24ads A100 v4 Spot". */
export function isSpotMeter(item: AzureRetailPriceItem): boolean {
  return /\bspot\b/i.test(`${item.skuName ?? ''} ${item.meterName ?? ''}`);
}

/**
 * Of several candidates the region's primary meter, then the newest (a price change adds a meter with
 * a later effectiveStartDate; the 2023-01-01-preview version also lists non-primary meters).
 */
function best(items: readonly AzureRetailPriceItem[]): AzureRetailPriceItem | undefined {
  return [...items].sort((a, b) => Number(b.isPrimaryMeterRegion !== false) - Number(a.isPrimaryMeterRegion !== false) || (b.effectiveStartDate ?? '').localeCompare(a.effectiveStartDate ?? ''))[0];
}

/** The Linux Spot and pay-as-you-go price of a size in a region, from whatever items were read. */
export function vmPrice(items: readonly AzureRetailPriceItem[], size: string, region: string, fetchedAt: number): AzureVmPrice | undefined {
  const candidates = items.filter((item) => item.armSkuName === size && item.armRegionName === region && isLinuxHourly(item));
  const spot = best(candidates.filter(isSpotMeter));
  const onDemand = best(candidates.filter((item) => !isSpotMeter(item)));
  if (!spot && !onDemand) return undefined;
  const price = (item: AzureRetailPriceItem | undefined): number | undefined => item && (item.retailPrice ?? item.unitPrice);
  const spotUsd = price(spot);
  const onDemandUsd = price(onDemand);
  return {
    ...(spotUsd !== undefined ? { spotUsdPerHour: spotUsd } : {}),
    ...(onDemandUsd !== undefined ? { onDemandUsdPerHour: onDemandUsd } : {}),
    fetchedAt,
    meters: [spot, onDemand].flatMap((item) => (item?.skuName ? [item.skuName] : [])),
  };
}
