import type { RegionalPrice } from './capacityOptions';
import { usd } from './capacityOptions';
import type { SpotQuote } from './wizardTypes';

/** Room above today's cheapest spot price: spot moves, and a guard set at the price refuses half the time. */
export const SPOT_HEADROOM = 1.5;

export interface MaxPriceSuggestion {
  readonly value: number;
  /** Where the value comes from, for the step's prompt. */
  readonly basis: string;
  /** The spot price a lower guard would be refused at, when known. */
  readonly cheapestSpot?: number;
}

/**
 * The default max price: the cheapest spot price found (live, or the catalog's estimate) with
 * headroom, rounded up to the cent; with no spot figure at all, the cheapest on-demand price,
 * which spot practically never exceeds.
 */
export function suggestMaxPrice(quote: SpotQuote | undefined, catalogSpot: RegionalPrice | undefined, onDemand: RegionalPrice | undefined): MaxPriceSuggestion {
  const spot = quote ?? (catalogSpot && { ...catalogSpot, source: 'catalog' as const });
  if (spot) {
    return {
      value: roundUpToCent(spot.usdPerHour * SPOT_HEADROOM),
      basis: `cheapest spot ${usd(spot.usdPerHour)} (${spot.instanceType} in ${spot.region}, ${spot.source === 'live' ? 'live' : 'catalog estimate'}) × ${SPOT_HEADROOM}`,
      cheapestSpot: spot.usdPerHour,
    };
  }
  if (onDemand) {
    return { value: roundUpToCent(onDemand.usdPerHour), basis: `on-demand price of ${onDemand.instanceType} in ${onDemand.region} (catalog): no spot price is known` };
  }
  return { value: 1, basis: 'no price is known for these instance types' };
}

function roundUpToCent(value: number): number {
  return Math.ceil(Math.round(value * 1e6) / 1e4) / 100;
}
