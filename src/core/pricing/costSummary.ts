import { isBillable, type Box } from '../boxes/box';

export interface CostSummary {
  readonly billableBoxes: number;
  /** Sum of the billable boxes' current hourly prices. */
  readonly hourlyUsd: number;
  /** Cost so far of the billable boxes, at their current price since launch. */
  readonly accruedUsd: number;
  /** Boxes whose price is unknown are left out of the sums; say so rather than under-report silently. */
  readonly unpricedBoxes: number;
}

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

export function formatUsd(amount: number): string {
  return amount < 10 ? `$${amount.toFixed(2)}` : `$${amount.toFixed(amount < 1000 ? 1 : 0)}`;
}

/** The status-bar text, e.g. "2 boxes $3.42/h · $12.10". */
export function costTickerText(summary: CostSummary): string {
  const boxes = `${summary.billableBoxes} ${summary.billableBoxes === 1 ? 'box' : 'boxes'}`;
  const unpriced = summary.unpricedBoxes > 0 ? ` (+${summary.unpricedBoxes} unpriced)` : '';
  return `${boxes} ${formatUsd(summary.hourlyUsd)}/h · ${formatUsd(summary.accruedUsd)}${unpriced}`;
}
