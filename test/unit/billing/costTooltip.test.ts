import * as assert from 'node:assert/strict';
import { costOfBox } from '../../../src/core/billing/boxCost';
import type { CostSnapshot } from '../../../src/core/billing/boxCostTracker';
import { costTooltipMarkdown, escapeMarkdown } from '../../../src/core/billing/costTooltip';
import type { Box } from '../../../src/core/boxes/box';
import { summarizeBoxCosts } from '../../../src/core/billing/costSummary';

const HOUR = 3_600_000;
const box = (overrides: Partial<Box>): Box => ({
  cloud: 'aws', instanceId: 'i-1',
  name: 'box',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 'g5.xlarge',
  lifecycle: 'spot',
  state: 'running',
  launchTime: 0,
  ...overrides,
});

function snapshot(costs: CostSnapshot['costs']): CostSnapshot {
  return { at: 2 * HOUR, boxListKnown: true, allBoxes: costs.map((cost) => cost.box), costs, summary: summarizeBoxCosts(costs) };
}

describe('costTooltipMarkdown', () => {
  it('shows the totals, the savings against on-demand and one row per box', () => {
    const costs = [
      costOfBox(box({ instanceId: 'i-1', name: 'llama' }), 2 * HOUR, { startMs: 0, history: [{ timestamp: 0, usdPerHour: 0.25 }], onDemandUsdPerHour: 1 }),
      costOfBox(box({ instanceId: 'i-2', name: 'mistral', instanceType: 'p5.48xlarge', availabilityZone: 'us-west-2b' }), 2 * HOUR, { startMs: 0, history: [{ timestamp: 0, usdPerHour: 20 }], onDemandUsdPerHour: 55 }),
    ];
    const text = costTooltipMarkdown(snapshot(costs));
    assert.match(text, /Spotbox: 2 boxes billable/);
    assert.match(text, /\$20\.3\/h now · \$40\.5 so far/);
    // Saved: (2 + 110) - (0.5 + 40) = 71.5 of 112 on demand.
    assert.match(text, /Saved \*\*\$71\.5\*\* \(63\.8 %\) against \$112\.0 on demand/);
    assert.match(text, /\| llama \| g5\\\.xlarge · us\\-east\\-1a \| \$0\.25\/h \| \$0\.50 \| \$2\.00 \| \$1\.50 \|/);
    assert.match(text, /\| mistral \| p5\\\.48xlarge · us\\-west\\-2b \| \$20\.0\/h \| \$40\.0 \| \$110\.0 \| \$70\.0 \|/);
    assert.doesNotMatch(text, /≈/);
  });

  it('marks estimates and unpriced boxes instead of passing them off as billed', () => {
    const costs = [
      costOfBox(box({ instanceId: 'i-1', name: 'guess', hourlyPriceUsd: 1 }), HOUR, { startMs: 0, onDemandUsdPerHour: 2 }),
      costOfBox(box({ instanceId: 'i-2', name: 'dark' }), HOUR, { startMs: 0 }),
    ];
    const text = costTooltipMarkdown(snapshot(costs));
    assert.match(text, /\| guess \|.*\| ≈ \$1\.00 \|/);
    assert.match(text, /≈ part of the run priced at the earliest known price/);
    assert.match(text, /\| dark \|.*\| unknown \| unknown \|/);
    assert.match(text, /1 box has no known price and is left out of the totals/);
  });

  it('never lets a box name format the tooltip', () => {
    assert.equal(escapeMarkdown('a|b*[x](y)'), 'a\\|b\\*\\[x\\]\\(y\\)');
    const costs = [costOfBox(box({ name: '[click](command:evil) | x' }), HOUR, { startMs: 0, history: [{ timestamp: 0, usdPerHour: 1 }] })];
    assert.doesNotMatch(costTooltipMarkdown(snapshot(costs)), /\[click\]\(command/);
  });
});
