import { isBillable, type Box } from '../boxes/box';
import type { BoxCost } from './boxCost';

export interface CostSummary {
  readonly billableBoxes: number;
  /** Sum of the billable boxes' current hourly prices. */
  readonly hourlyUsd: number;
  /** Cost so far of the billable boxes (summarizeCost: at their current price since launch). */
  readonly accruedUsd: number;
  /** Boxes whose price is unknown are left out of the sums; say so rather than under-report silently. */
  readonly unpricedBoxes: number;
}

/** A quick figure at today's price for views that have no price history (the tree); the ticker bills from history. */
export function summarizeCost(boxes: readonly Box[], nowMs: number): CostSummary {
  let hourlyUsd = 0;
  let accruedUsd = 0;
  let billableBoxes = 0;
  let unpricedBoxes = 0;
  for (const box of boxes) {
    if (!isBillable(box)) {
      continue;
    }
    billableBoxes++;
    if (box.hourlyPriceUsd === undefined) {
      unpricedBoxes++;
      continue;
    }
    hourlyUsd += box.hourlyPriceUsd;
    if (box.launchTime !== undefined) {
      accruedUsd += (box.hourlyPriceUsd * Math.max(0, nowMs - box.launchTime)) / 3_600_000;
    }
  }
  return { billableBoxes, hourlyUsd, accruedUsd, unpricedBoxes };
}

/** The cost ticker's figures: billed per second from price history, with the on-demand baseline. */
export interface BilledCostSummary extends CostSummary {
  /** What the same boxes would cost per hour on demand, over the boxes whose on-demand price is known. */
  readonly onDemandHourlyUsd: number;
  /** The billed seconds of the boxes at their on-demand price, over the boxes priced both ways. */
  readonly onDemandEquivalentUsd: number;
  /** On-demand equivalent minus accrued, over the same boxes (so a missing baseline cannot pass for savings). */
  readonly savingsUsd: number;
  /** Boxes whose cost so far rests partly on an assumed price. */
  readonly estimatedBoxes: number;
}

/** Sums per-box costs; a box without a spot or on-demand figure is counted, not silently zero. */
export function summarizeBoxCosts(costs: readonly BoxCost[]): BilledCostSummary {
  let hourlyUsd = 0;
  let accruedUsd = 0;
  let onDemandHourlyUsd = 0;
  let onDemandEquivalentUsd = 0;
  let savingsUsd = 0;
  let unpricedBoxes = 0;
  let estimatedBoxes = 0;
  for (const cost of costs) {
    if (cost.accruedUsd === undefined) {
      unpricedBoxes++;
      continue;
    }
    hourlyUsd += cost.hourlyUsd ?? 0;
    accruedUsd += cost.accruedUsd;
    if (cost.assumedSeconds > 0) estimatedBoxes++;
    if (cost.onDemandEquivalentUsd !== undefined && cost.savingsUsd !== undefined) {
      onDemandHourlyUsd += cost.onDemandHourlyUsd ?? 0;
      onDemandEquivalentUsd += cost.onDemandEquivalentUsd;
      savingsUsd += cost.savingsUsd;
    }
  }
  return { billableBoxes: costs.length, hourlyUsd, accruedUsd, unpricedBoxes, onDemandHourlyUsd, onDemandEquivalentUsd, savingsUsd, estimatedBoxes };
}

export function formatUsd(amount: number): string {
  return amount < 10 ? `$${amount.toFixed(2)}` : `$${amount.toFixed(amount < 1000 ? 1 : 0)}`;
}

/**
 * A tree group's description (a cloud, a region): "2 boxes · $3.42/h"; a box without a known price
 * is said, never counted as $0 ("1 box · price unknown", "3 boxes · $0.60/h + 1 unpriced").
 */
export function groupCostText(boxCount: number, summary: CostSummary): string {
  const boxes = `${boxCount} ${boxCount === 1 ? 'box' : 'boxes'}`;
  const priced = summary.billableBoxes - summary.unpricedBoxes;
  if (summary.billableBoxes === 0) return boxes;
  if (priced === 0) return `${boxes} · price unknown`;
  return `${boxes} · ${formatUsd(summary.hourlyUsd)}/h${summary.unpricedBoxes > 0 ? ` + ${summary.unpricedBoxes} unpriced` : ''}`;
}

/** The status-bar text, e.g. "2 boxes $3.42/h · $12.10". */
export function costTickerText(summary: CostSummary): string {
  const boxes = `${summary.billableBoxes} ${summary.billableBoxes === 1 ? 'box' : 'boxes'}`;
  const unpriced = summary.unpricedBoxes > 0 ? ` (+${summary.unpricedBoxes} unpriced)` : '';
  return `${boxes} ${formatUsd(summary.hourlyUsd)}/h · ${formatUsd(summary.accruedUsd)}${unpriced}`;
}
