import { costOfBox } from '../../../src/core/billing/boxCost';
import type { CostSnapshot } from '../../../src/core/billing/boxCostTracker';
import type { Box } from '../../../src/core/boxes/box';
import { summarizeBoxCosts } from '../../../src/core/billing/costSummary';
import type { BoxSession } from '../../../src/core/dashboard/usageTypes';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2025, 4, 12, 8);

export function box(overrides: Partial<Box> = {}): Box {
  return { cloud: 'aws', instanceId: 'i-1', name: 'llama', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot', state: 'running', launchTime: T0, ...overrides };
}

export function session(overrides: Partial<BoxSession> = {}): BoxSession {
  const start = overrides.start ?? T0;
  const instanceId = overrides.instanceId ?? 'i-1';
  return {
    id: `${instanceId}@${start}`,
    cloud: 'aws',
    boxName: 'llama',
    instanceId,
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    instanceType: 'g5.xlarge',
    lifecycle: 'spot',
    start,
    end: start + HOUR,
    endReason: 'terminated',
    lastSeenAt: start + HOUR,
    accruedUsd: 0.4,
    onDemandEquivalentUsd: 1,
    interruptions: [],
    epochs: [],
    ...overrides,
  };
}

/** A session as a ledger written before sessions recorded their cloud holds it. */
export function withoutCloud(recorded: BoxSession): Partial<BoxSession> {
  return Object.fromEntries(Object.entries(recorded).filter(([key]) => key !== 'cloud'));
}

/**
 * What the cost tracker would report at `at` for these boxes: each billable one billed at a flat
 * `usdPerHour` since its launch, against 1 USD/h on demand.
 */
export function snapshotAt(at: number, boxes: Box[], usdPerHour = 0.4, boxListKnown = true): CostSnapshot {
  const costs = boxes
    .filter((candidate) => candidate.state === 'running' || candidate.state === 'interrupting' || candidate.state === 'stopping')
    .map((candidate) => costOfBox(candidate, at, { startMs: candidate.launchTime ?? at, history: [{ timestamp: 0, usdPerHour }], onDemandUsdPerHour: 1 }));
  return { at, boxListKnown, allBoxes: boxes, costs, summary: summarizeBoxCosts(costs) };
}
