import type { Box } from '../boxes/box';
import { accruedCost, priceAt, type PriceChange } from './accruedCost';
import { firstHourWaiver, reclaimedInFirstHour, type FirstHourWaiver } from './firstHourInterruption';

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
  /**
   * Set while EC2 is about to reclaim the box before it is one hour old: AWS charges nothing for
   * it, so `hourlyUsd` and `accruedUsd` are 0 and this holds what its seconds would have cost.
   */
  readonly waiver?: FirstHourWaiver;
}

export interface BoxPriceInputs {
  readonly startMs: number;
  /** Spot price history of the box's pool (type and AZ); undefined until it has been read. */
  readonly history?: readonly PriceChange[];
  readonly onDemandUsdPerHour?: number;
  /** When EC2 will reclaim the box: the action time of its interruption notice, if it has one. */
  readonly reclaimAt?: number;
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
  // Judged on EC2's launch time only: a box first seen later could be older than it looks. The
  // waiver is AWS's rule: Google Cloud and Azure have no first-hour waiver.
  if (box.cloud === 'aws' && box.lifecycle === 'spot' && reclaimedInFirstHour(box.launchTime, inputs.reclaimAt)) {
    return {
      box,
      startMs,
      hourlyUsd: 0,
      accruedUsd: 0,
      onDemandHourlyUsd: onDemandUsdPerHour,
      onDemandEquivalentUsd,
      savingsUsd: onDemandEquivalentUsd,
      billedSeconds: accrued.billedSeconds,
      // Nothing is priced by assumption: the bill is $0 whatever the price was.
      assumedSeconds: 0,
      basis: priced.basis,
      waiver: firstHourWaiver(accrued.usd),
    };
  }
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
