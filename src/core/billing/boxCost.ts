import type { Box } from '../boxes/box';
import { accruedCost, priceAt, type PriceChange } from './accruedCost';

/** Where a box's cost comes from, weakest last; shown so an estimate never passes for a bill. */
export type CostBasis = 'price-history' | 'current-price' | 'on-demand' | 'unpriced';

/** What one billable box costs: now per hour, and so far, next to what on-demand would have cost. */
export interface BoxCost {
  readonly box: Box;
  /** When billing of this run began: the launch time, or when Spotbox first saw it running. */
  readonly startMs: number;
  readonly hourlyUsd?: number;
  readonly accruedUsd?: number;
  readonly onDemandHourlyUsd?: number;
  /** The same billed seconds at the on-demand price: the baseline savings are measured against. */
  readonly onDemandEquivalentUsd?: number;
  readonly savingsUsd?: number;
  readonly billedSeconds: number;
  /** Billed seconds priced by assumption (no history reaching back that far, or no history at all). */
  readonly assumedSeconds: number;
  readonly basis: CostBasis;
}

export interface BoxPriceInputs {
  readonly startMs: number;
  /** Spot price history of the box's pool (type and AZ); undefined until it has been read. */
  readonly history?: readonly PriceChange[];
  readonly onDemandUsdPerHour?: number;
}

const HOUR_SECONDS = 3600;

export function costOfBox(box: Box, nowMs: number, inputs: BoxPriceInputs): BoxCost {
  const { startMs, onDemandUsdPerHour } = inputs;
  const priced = pricedHistory(box, inputs);
  const accrued = priced && accruedCost(startMs, nowMs, priced.history);
  if (!priced || !accrued) {
    return { box, startMs, onDemandHourlyUsd: onDemandUsdPerHour, billedSeconds: 0, assumedSeconds: 0, basis: 'unpriced' };
  }
  const onDemandEquivalentUsd = onDemandUsdPerHour === undefined ? undefined : (onDemandUsdPerHour * accrued.billedSeconds) / HOUR_SECONDS;
  return {
    box,
    startMs,
    hourlyUsd: priceAt(priced.history, nowMs),
    accruedUsd: accrued.usd,
    onDemandHourlyUsd: onDemandUsdPerHour,
    onDemandEquivalentUsd,
    savingsUsd: onDemandEquivalentUsd === undefined ? undefined : onDemandEquivalentUsd - accrued.usd,
    billedSeconds: accrued.billedSeconds,
    assumedSeconds: priced.basis === 'current-price' ? accrued.billedSeconds : accrued.assumedSeconds,
    basis: priced.basis,
  };
}

function pricedHistory(box: Box, inputs: BoxPriceInputs): { history: readonly PriceChange[]; basis: CostBasis } | undefined {
  if (box.lifecycle === 'on-demand') {
    const price = inputs.onDemandUsdPerHour ?? box.hourlyPriceUsd;
    return price === undefined ? undefined : { history: [{ timestamp: inputs.startMs, usdPerHour: price }], basis: 'on-demand' };
  }
  if (inputs.history !== undefined && inputs.history.length > 0) {
    return { history: inputs.history, basis: 'price-history' };
  }
  // Until the history arrives (or when EC2 has none), today's price stands in for the whole run.
  return box.hourlyPriceUsd === undefined ? undefined : { history: [{ timestamp: inputs.startMs, usdPerHour: box.hourlyPriceUsd }], basis: 'current-price' };
}
