/**
 * Reading the Price List API's GetProducts answer. Each PriceList item is one product of the offer
 * as a JSON string (the SDK may hand it over as a String object); the on-demand hourly price is at
 * terms.OnDemand.<term>.priceDimensions.<rate>.pricePerUnit.USD.
 */

interface PriceDimension {
  readonly unit?: string;
  readonly pricePerUnit?: { readonly USD?: string };
}

interface PriceListProduct {
  readonly product?: { readonly attributes?: Readonly<Record<string, string>> };
  readonly terms?: { readonly OnDemand?: Readonly<Record<string, { readonly priceDimensions?: Readonly<Record<string, PriceDimension>> }>> };
}

/** The product as an object, or undefined when the item is not a JSON object. */
export function parsePriceListItem(item: unknown): PriceListProduct | undefined {
  if (typeof item === 'object' && item !== null && !(item instanceof String)) return item;
  try {
    const parsed: unknown = JSON.parse(String(item));
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The hourly on-demand USD price of a product, if it is for `instanceType` in `regionCode`.
 * Zero prices (capacity already paid for by a reservation) do not count: they are not what a user
 * would pay, and a filter that let them through must not make a pool look free.
 */
export function onDemandUsdPerHour(item: unknown, expected: { instanceType: string; regionCode: string }): number | undefined {
  const product = parsePriceListItem(item);
  const attributes = product?.product?.attributes;
  if (!product || (attributes && (attributes.instanceType !== expected.instanceType || attributes.regionCode !== expected.regionCode))) return undefined;
  for (const term of Object.values(product.terms?.OnDemand ?? {})) {
    for (const dimension of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(dimension.pricePerUnit?.USD);
      if (dimension.unit === 'Hrs' && Number.isFinite(usd) && usd > 0) return usd;
    }
  }
  return undefined;
}
