import type { BoxCost } from '../billing/boxCost';

/** A running spot box whose price went above the user's alert level. */
export interface PriceAlert {
  readonly instanceId: string;
  readonly boxName: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly usdPerHour: number;
  readonly thresholdUsdPerHour: number;
}

/**
 * Decides when to warn about a spot price: once when a box's price passes the threshold, then not
 * again until it has come back down to it (or the threshold changes). A box whose price is not
 * known keeps its state, so a failed price read neither re-arms nor fires an alert.
 */
export class PriceAlertWatcher {
  private above = new Set<string>();
  private threshold: number | undefined;

  check(thresholdUsdPerHour: number | undefined, costs: readonly BoxCost[]): PriceAlert[] {
    if (thresholdUsdPerHour !== this.threshold) {
      // A new level is a new question: every box above it is news.
      this.threshold = thresholdUsdPerHour;
      this.above = new Set();
    }
    const present = new Set(costs.map((cost) => cost.box.instanceId));
    for (const id of [...this.above]) {
      if (!present.has(id)) this.above.delete(id);
    }
    if (thresholdUsdPerHour === undefined) return [];
    const alerts: PriceAlert[] = [];
    for (const cost of costs) {
      const { box, hourlyUsd } = cost;
      if (box.lifecycle !== 'spot' || hourlyUsd === undefined) continue;
      if (hourlyUsd <= thresholdUsdPerHour) {
        this.above.delete(box.instanceId);
      } else if (!this.above.has(box.instanceId)) {
        this.above.add(box.instanceId);
        alerts.push({ instanceId: box.instanceId, boxName: box.name, instanceType: box.instanceType, availabilityZone: box.availabilityZone, usdPerHour: hourlyUsd, thresholdUsdPerHour });
      }
    }
    return alerts;
  }
}

/**
 * Reads `spotbox.priceAlertUsdPerHour`: a positive number turns the alert on, 0 or nothing turns it
 * off. Anything else is reported and treated as off, so a typo never spams warnings.
 */
export function parsePriceAlertSetting(raw: unknown): { usdPerHour?: number; problem?: string } {
  if (raw === undefined || raw === null || raw === 0) return {};
  if (typeof raw === 'number' && Number.isFinite(raw) && raw > 0) return { usdPerHour: raw };
  return { problem: 'spotbox.priceAlertUsdPerHour must be a positive number of USD per hour, or 0 to turn the alert off.' };
}
