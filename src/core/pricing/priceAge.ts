import type { PricePoint } from './pricingTypes';

/** "live, just now" / "live, 2 min ago" / "catalog, 2025-05": shown next to every price. */
export function priceAgeLabel(point: Pick<PricePoint, 'source' | 'asOf'>, now: number): string {
  if (point.source === 'catalog') {
    return `catalog, ${new Date(point.asOf).toISOString().slice(0, 7)}`;
  }
  const seconds = Math.max(0, Math.floor((now - point.asOf) / 1000));
  if (seconds < 60) return 'live, just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `live, ${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `live, ${hours} h ago`;
  return `live, ${Math.floor(hours / 24)} days ago`;
}
