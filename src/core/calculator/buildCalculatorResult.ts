import { EstimateInputError, type EstimateInput, type EstimateResult } from '../estimate/estimateTypes';
import { posteriorInterruptionsPerHour, type PoolExposure } from '../estimate/observedRate';
import { presetForModel, presetRate } from '../pricing/interruption';
import { CLOUD_FACTS, CLOUDS } from '../cloud/clouds';
import type { Pool, PoolScan, PricePoint } from '../pricing/pricingTypes';
import type { CalculatorInputs, CalculatorResult, CloudComparisonRow, CostChart, PoolRow } from './calculatorModel';

export type EstimateFunction = (input: EstimateInput, options?: { cloud?: 'aws' | 'gcp' | 'azure' }) => EstimateResult;

/** Seconds of a notice lost to polling (AWS advises every 5 s) and to a safety margin. */
const NOTICE_OVERHEAD_SECONDS = 20;
const MAX_ROWS = 25;

export interface CalculatorDeps {
  readonly estimate: EstimateFunction;
  /** Formats a price's source and age, e.g. "live, 2 min ago". */
  readonly priceAge: (price: PricePoint) => string;
  /** What Spotbox has seen on a pool (usage ledger): its rate then updates the Advisor prior, as "auto" does. */
  readonly observedExposure?: (pool: Pool) => PoolExposure | undefined;
}

/**
 * A checkpoint taken on the notice only helps if it fits in the notice: 120 s on AWS but 30 s on
 * GCP and Azure, less the polling delay and a margin.
 */
export function noticeCheckpointFits(pool: Pool, checkpointMinutes: number): boolean {
  return checkpointMinutes * 60 <= pool.noticeSeconds - NOTICE_OVERHEAD_SECONDS;
}

/** The rate a pool is estimated with, and where it comes from, per the user's choice. */
export function interruptionRateFor(pool: Pool, inputs: CalculatorInputs, observedExposure?: CalculatorDeps['observedExposure']): { perHour: number; source: string } {
  if (inputs.interruptionsPerHour !== undefined) {
    return { perHour: inputs.interruptionsPerHour, source: 'your override' };
  }
  const preset = inputs.interruptionModel === 'article' ? presetForModel(pool.gpu.model) : undefined;
  if (preset) {
    return { perHour: presetRate(preset).perHour, source: `article preset (${preset})` };
  }
  const bucket = pool.interruption.bucket ? ` ${pool.interruption.bucket}/month` : '';
  const observed = pool.cloud === 'aws' ? observedExposure?.(pool) : undefined;
  if (observed && observed.hours > 0) {
    const hours = observed.hours < 10 ? Number(observed.hours.toFixed(1)) : Math.round(observed.hours);
    return {
      perHour: posteriorInterruptionsPerHour(pool.interruption.perHour, observed),
      source: `observed ${observed.interruptions} in ${hours} h, ${pool.interruption.source}${bucket} prior`,
    };
  }
  return { perHour: pool.interruption.perHour, source: `${pool.interruption.source}${bucket}` };
}

function estimateInputFor(pool: Pool, inputs: CalculatorInputs, computeHours: number, noticeCheckpoint: boolean, deps: CalculatorDeps): EstimateInput {
  return {
    computeHours,
    spotPricePerHour: pool.spot.usdPerHour,
    onDemandPricePerHour: pool.onDemand.usdPerHour,
    interruptionsPerHour: interruptionRateFor(pool, inputs, deps.observedExposure).perHour,
    checkpointMinutes: inputs.checkpointMinutes,
    restartMinutes: inputs.restartMinutes,
    noticeCheckpoint: noticeCheckpoint && noticeCheckpointFits(pool, inputs.checkpointMinutes),
  };
}

export function poolId(pool: Pool): string {
  return [pool.cloud, pool.region, pool.availabilityZone ?? '', pool.instanceType].join(':');
}

/**
 * Ranks every pool by the expected cost of this job on spot (not by the hourly price: a cheap pool
 * that is interrupted often can cost more), and charts cost against job length for the best one.
 */
export function buildCalculatorResult(inputs: CalculatorInputs, scan: PoolScan, deps: CalculatorDeps): CalculatorResult {
  if (scan.pools.length === 0) {
    throw new EstimateInputError('computeHours', `No instance type matches "${inputs.gpuOrInstanceType}" in the selected regions.`);
  }
  const notes = scan.notes.map((note) => `${note.region}: ${note.message}`);
  const estimated: Array<{ pool: Pool; result: EstimateResult; row: PoolRow }> = [];
  let lastError: unknown;
  for (const pool of scan.pools) {
    let result: EstimateResult;
    try {
      result = deps.estimate(estimateInputFor(pool, inputs, inputs.jobHours, inputs.noticeCheckpoint, deps), { cloud: pool.cloud });
    } catch (error) {
      // One pool too unstable to finish the job is a row to drop, not a failed estimate.
      lastError = error;
      continue;
    }
    estimated.push({
      pool,
      result,
      row: {
        id: poolId(pool),
        cloud: pool.cloud,
        region: pool.region,
        availabilityZone: pool.availabilityZone,
        instanceType: pool.instanceType,
        gpu: `${pool.gpu.count}x ${pool.gpu.model}`,
        spotPerHour: pool.spot.usdPerHour,
        onDemandPerHour: pool.onDemand.usdPerHour,
        priceAge: deps.priceAge(pool.spot),
        onDemandPriceAge: deps.priceAge(pool.onDemand),
        priceIsEstimate: pool.spot.estimate || pool.onDemand.estimate,
        interruptionsPerHour: interruptionRateFor(pool, inputs, deps.observedExposure).perHour,
        interruptionSource: interruptionRateFor(pool, inputs, deps.observedExposure).source,
        noticeSeconds: pool.noticeSeconds,
        spotCost: result.spotCost,
        onDemandCost: result.onDemandCost,
        savingsPercent: result.savingsPercent,
        expectedWallHours: result.expectedWallHours,
      },
    });
  }
  if (estimated.length === 0) {
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }
  estimated.sort((a, b) => a.result.spotCost - b.result.spotCost || a.row.id.localeCompare(b.row.id));
  const best = estimated[0];
  if (inputs.noticeCheckpoint && !noticeCheckpointFits(best.pool, inputs.checkpointMinutes)) {
    notes.push(
      `A ${inputs.checkpointMinutes}-minute checkpoint does not fit in ${best.pool.cloud.toUpperCase()}'s ${best.pool.noticeSeconds}-second notice, so it is not counted for that pool; make checkpoints faster or rely on periodic ones.`,
    );
  }
  return {
    inputs,
    cards: {
      pool: best.row,
      spotCost: best.result.spotCost,
      onDemandCost: best.result.onDemandCost,
      savingsPercent: best.result.savingsPercent,
      expectedInterruptions: best.result.expectedInterruptions,
      expectedWallHours: best.result.expectedWallHours,
      checkpointIntervalMinutes: best.result.checkpointIntervalMinutes,
      breakEvenInterruptionsPerHour: best.result.breakEvenInterruptionsPerHour,
      warnings: best.result.warnings.map((warning) => warning.message),
    },
    chart: costChart(best.pool, inputs, deps),
    rows: estimated.slice(0, MAX_ROWS).map((entry) => entry.row),
    byCloud: cheapestByCloud(estimated.map((entry) => entry.row)),
    notes,
  };
}

/** The first row of each cloud in `ranked` (cheapest first), compared with the cheapest of all. */
function cheapestByCloud(ranked: readonly PoolRow[]): CloudComparisonRow[] {
  const cheapest = ranked[0]?.spotCost ?? 0;
  return CLOUDS.flatMap((cloud) => {
    const pool = ranked.find((row) => row.cloud === cloud);
    return pool ? [{ cloud, label: CLOUD_FACTS[cloud].label, pool, aboveCheapestPercent: cheapest > 0 ? ((pool.spotCost - cheapest) / cheapest) * 100 : 0 }] : [];
  }).sort((a, b) => a.pool.spotCost - b.pool.spotCost);
}

function costChart(pool: Pool, inputs: CalculatorInputs, deps: CalculatorDeps): CostChart {
  const steps = 12;
  const jobHours = Array.from({ length: steps }, (_, index) => roundHours(((index + 1) * 2 * inputs.jobHours) / steps));
  const spotCost = (hours: number, notice: boolean): number | null => {
    try {
      return deps.estimate(estimateInputFor(pool, inputs, hours, notice, deps), { cloud: pool.cloud }).spotCost;
    } catch {
      return null;
    }
  };
  return {
    jobHours,
    onDemand: jobHours.map((hours) => hours * pool.onDemand.usdPerHour),
    spotWithoutNotice: jobHours.map((hours) => spotCost(hours, false)),
    spotWithNotice: jobHours.map((hours) => spotCost(hours, true)),
  };
}

function roundHours(hours: number): number {
  return hours >= 10 ? Math.round(hours) : Math.round(hours * 10) / 10;
}
