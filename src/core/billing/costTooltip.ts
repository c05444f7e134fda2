import { formatUsd } from './costSummary';
import type { BoxCost } from './boxCost';
import type { CostSnapshot } from './boxCostTracker';
import { FIRST_HOUR_NOT_CHARGED } from './firstHourInterruption';

/** Box names come from instance tags anyone with EC2 access can set: never let them format the tooltip. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, (character) => `\\${character}`);
}

const percentOf = (part: number, whole: number): string => (whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '–');

function row(cost: BoxCost): string {
  const { box } = cost;
  const estimated = cost.assumedSeconds > 0 ? '≈ ' : '';
  const notCharged = cost.waiver ? ' †' : '';
  const cells = [
    escapeMarkdown(box.name),
    escapeMarkdown(`${box.instanceType} · ${box.availabilityZone || box.region}${box.lifecycle === 'on-demand' ? ' · on-demand' : ''}`),
    cost.hourlyUsd === undefined ? 'unknown' : `${formatUsd(cost.hourlyUsd)}/h`,
    cost.accruedUsd === undefined ? 'unknown' : `${estimated}${formatUsd(cost.accruedUsd)}${notCharged}`,
    cost.onDemandEquivalentUsd === undefined ? 'unknown' : formatUsd(cost.onDemandEquivalentUsd),
    cost.savingsUsd === undefined ? '–' : formatUsd(cost.savingsUsd),
  ];
  return `| ${cells.join(' | ')} |`;
}

/**
 * The ticker's tooltip (Markdown): totals, savings against on-demand, and one row per box, with
 * every figure that rests on an assumption marked so an estimate never passes for a bill.
 */
export function costTooltipMarkdown(snapshot: CostSnapshot): string {
  const { summary, costs } = snapshot;
  const count = `${summary.billableBoxes} ${summary.billableBoxes === 1 ? 'box' : 'boxes'}`;
  const lines = [
    `**Spotbox: ${count} billable** — billed per second from each pool's spot price history`,
    '',
    `${formatUsd(summary.hourlyUsd)}/h now · ${formatUsd(summary.accruedUsd)} so far`,
    '',
    summary.onDemandEquivalentUsd > 0
      ? `Saved **${formatUsd(summary.savingsUsd)}** (${percentOf(summary.savingsUsd, summary.onDemandEquivalentUsd)}) against ${formatUsd(summary.onDemandEquivalentUsd)} on demand`
      : 'Savings unknown: no on-demand price for these boxes yet',
    '',
    '| Box | Type · zone | Now | So far | On demand | Saved |',
    '|:--|:--|--:|--:|--:|--:|',
    ...costs.map(row),
    '',
  ];
  if (costs.some((cost) => cost.assumedSeconds > 0)) {
    lines.push('≈ part of the run priced at the earliest known price (history not read yet, or older than EC2 keeps)', '');
  }
  const waived = costs.filter((cost) => cost.waiver !== undefined);
  if (waived.length > 0) {
    const wouldHave = waived.reduce((total, cost) => total + (cost.waiver?.usd ?? 0), 0);
    lines.push(`† ${FIRST_HOUR_NOT_CHARGED} (AWS waives the ${formatUsd(wouldHave)} its seconds would have cost)`, '');
  }
  if (summary.unpricedBoxes > 0) {
    lines.push(`${summary.unpricedBoxes} ${summary.unpricedBoxes === 1 ? 'box has' : 'boxes have'} no known price and ${summary.unpricedBoxes === 1 ? 'is' : 'are'} left out of the totals`, '');
  }
  lines.push('Click to show the boxes.');
  return lines.join('\n');
}
