import { priceAgeLabel } from '../pricing/priceAge';
import type { SpotQuote } from '../pricing/priceService';
import type { RegionNote } from '../pricing/pricingTypes';

/**
 * The pre-flight's price for another cloud's launch, with its source and age: "$0.123/h
 * Standard_NC4as_T4_v3 in eastus (Retail Prices API, live, 2 min ago)", or the catalog's figure
 * saying so ("catalog, 2025-05") and, when the live price list failed for it, that it did.
 * `liveSource` names the price list ("Retail Prices API").
 */
export function preflightSpotPrice(quote: SpotQuote, liveSource: string, now: number): string {
  const age = priceAgeLabel(quote.spot, now);
  return `$${quote.spot.usdPerHour.toFixed(3)}/h ${quote.instanceType} in ${quote.region} (${quote.spot.source === 'live' ? `${liveSource}, ${age}` : age})`;
}

/**
 * The price list's notes that concern these quotes' regions (a failed cloud-wide read is
 * `cloudLabel` itself, a region's is "<cloudLabel> <region>"): said in the pre-flight, so that a
 * catalog figure is never taken for a live one.
 */
export function preflightPriceNotes(notes: readonly RegionNote[], cloudLabel: string, regions: readonly string[]): string[] {
  return notes.filter((note) => note.region === cloudLabel || regions.some((region) => note.region === `${cloudLabel} ${region}`)).map((note) => note.message);
}
