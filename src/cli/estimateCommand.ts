import { EstimateInputError, type EstimateInput } from '../core/estimate/estimateTypes';
import { estimate } from '../core/estimate/estimator';
import type { PricingContext } from '../core/calculator/pricingContext';
import { priceAgeLabel } from '../core/pricing/priceAge';
import { CliUsageError, numberFlag } from './cliErrors';
import { formatTable } from './table';
import { noticeCheckpointFits } from '../core/calculator/buildCalculatorResult';
import { DEFAULT_CALCULATOR_INPUTS } from '../core/calculator/calculatorModel';

export interface EstimateFlags {
  readonly 'instance-type'?: string;
  readonly region?: string;
  readonly hours?: string;
  readonly 'spot-price'?: string;
  readonly 'on-demand-price'?: string;
  readonly 'interruptions-per-hour'?: string;
  readonly 'checkpoint-minutes'?: string;
  readonly 'restart-minutes'?: string;
  readonly 'no-notice-checkpoint'?: boolean;
  readonly json?: boolean;
}

const FLAG_OF: Partial<Record<string, string>> = {
  computeHours: 'hours',
  spotPricePerHour: 'spot-price',
  onDemandPricePerHour: 'on-demand-price',
  interruptionsPerHour: 'interruptions-per-hour',
  checkpointMinutes: 'checkpoint-minutes',
  restartMinutes: 'restart-minutes',
};

/** `spotbox estimate`: the expected cost of one job on spot vs on-demand, interruptions counted. */
export async function runEstimate(flags: EstimateFlags, pricing: PricingContext, now: () => number): Promise<string> {
  const instanceType = flags['instance-type']?.trim();
  if (!instanceType) {
    throw new CliUsageError('--instance-type is required, e.g. --instance-type p5.48xlarge');
  }
  const region = (flags.region ?? 'us-east-1').trim();
  if (!pricing.knownRegions.includes(region)) {
    throw new CliUsageError(`--region ${region} is not a region Spotbox knows; use one of ${pricing.knownRegions.join(', ')}`);
  }
  if (!pricing.catalogs.onDemand.instanceTypes[instanceType]) {
    throw new CliUsageError(`--instance-type ${instanceType} is not a GPU instance type Spotbox knows; e.g. ${Object.keys(pricing.catalogs.onDemand.instanceTypes).slice(0, 6).join(', ')}`);
  }
  const hours = numberFlag('hours', flags.hours, { min: 0, exclusiveMin: true });
  if (hours === undefined) {
    throw new CliUsageError('--hours is required: the compute hours the job needs, e.g. --hours 100');
  }
  const userSpot = numberFlag('spot-price', flags['spot-price']);
  const userOnDemand = numberFlag('on-demand-price', flags['on-demand-price']);
  const userRate = numberFlag('interruptions-per-hour', flags['interruptions-per-hour'], { percentAllowed: true });
  const checkpointMinutes = numberFlag('checkpoint-minutes', flags['checkpoint-minutes']) ?? DEFAULT_CALCULATOR_INPUTS.checkpointMinutes;
  const restartMinutes = numberFlag('restart-minutes', flags['restart-minutes']) ?? DEFAULT_CALCULATOR_INPUTS.restartMinutes;

  const scan = await pricing.priceService.scanPools({ instanceType, regions: [region] });
  const pool = scan.pools.find((candidate) => candidate.cloud === 'aws' && candidate.instanceType === instanceType);
  if (!pool && (userSpot === undefined || userOnDemand === undefined)) {
    throw new CliUsageError(`--instance-type ${instanceType} is not offered in --region ${region}; pass --spot-price and --on-demand-price to estimate anyway`);
  }
  const input: EstimateInput = {
    computeHours: hours,
    spotPricePerHour: userSpot ?? pool!.spot.usdPerHour,
    onDemandPricePerHour: userOnDemand ?? pool!.onDemand.usdPerHour,
    interruptionsPerHour: userRate ?? pool?.interruption.perHour ?? 0,
    checkpointMinutes,
    restartMinutes,
    // Same rule as the calculator: a notice checkpoint only counts if it fits in the notice.
    noticeCheckpoint: flags['no-notice-checkpoint'] !== true && (pool === undefined || noticeCheckpointFits(pool, checkpointMinutes)),
  };
  const noticeNote =
    flags['no-notice-checkpoint'] !== true && !input.noticeCheckpoint
      ? [`A ${checkpointMinutes}-minute checkpoint does not fit in the ${pool?.noticeSeconds ?? 120}-second notice, so none is counted on the notice.`]
      : [];
  let result;
  try {
    result = estimate(input);
  } catch (error) {
    if (error instanceof EstimateInputError) {
      throw new CliUsageError(`--${FLAG_OF[error.field] ?? error.field}: ${error.message}`);
    }
    throw error;
  }
  const priceSource =
    userSpot !== undefined ? 'given (--spot-price)' : `${priceAgeLabel(pool!.spot, now())}${pool!.availabilityZone ? ` (${pool!.availabilityZone})` : ''}${pool!.spot.estimate ? ', estimate' : ''}`;
  const onDemandSource = userOnDemand !== undefined ? 'given (--on-demand-price)' : `${priceAgeLabel(pool!.onDemand, now())}${pool!.onDemand.estimate ? ', estimate' : ''}`;
  const interruptionSource = userRate !== undefined ? 'given (--interruptions-per-hour)' : `${pool!.interruption.source}${pool!.interruption.bucket ? ` ${pool!.interruption.bucket}/month` : ''}`;
  const summary = {
    instanceType,
    region,
    computeHours: hours,
    spotPricePerHour: input.spotPricePerHour,
    onDemandPricePerHour: input.onDemandPricePerHour,
    interruptionsPerHour: input.interruptionsPerHour,
    noticeCheckpoint: input.noticeCheckpoint,
    spotCost: result.spotCost,
    onDemandCost: result.onDemandCost,
    savingsPercent: result.savingsPercent,
    expectedWallHours: result.expectedWallHours,
    expectedInterruptions: result.expectedInterruptions,
    checkpointIntervalMinutes: result.checkpointIntervalMinutes,
    breakEvenInterruptionsPerHour: Number.isFinite(result.breakEvenInterruptionsPerHour) ? result.breakEvenInterruptionsPerHour : null,
    priceSource,
    onDemandPriceSource: onDemandSource,
    interruptionSource,
    warnings: result.warnings.map((warning) => warning.message),
    notes: [...noticeNote, ...scan.notes.map((note) => `${note.region}: ${note.message}`)],
  };
  if (flags.json) {
    return JSON.stringify(summary, null, 2);
  }
  const usd = (amount: number): string => `$${amount.toFixed(2)}`;
  const lines = [
    `${instanceType} in ${region}, ${hours} compute hours`,
    '',
    formatTable(
      ['', 'Spot', 'On-demand'],
      [
        ['Price per hour', `${usd(input.spotPricePerHour)} (${priceSource})`, `${usd(input.onDemandPricePerHour)} (${onDemandSource})`],
        ['Expected cost', usd(result.spotCost), usd(result.onDemandCost)],
        ['Expected wall time', `${result.expectedWallHours.toFixed(1)} h`, `${hours} h`],
      ],
    ),
    '',
    `Savings: ${result.savingsPercent.toFixed(1)} %`,
    `Interruptions: ${(input.interruptionsPerHour * 100).toFixed(2)} %/h (${interruptionSource}); expected ${result.expectedInterruptions.toFixed(1)} over the job`,
    `Checkpoint every ${result.checkpointIntervalMinutes.toFixed(0)} min (${checkpointMinutes} min to write, ${restartMinutes} min to restart, ${input.noticeCheckpoint ? 'checkpoint on the notice' : 'no checkpoint on the notice'})`,
    `Break-even interruption rate: ${summary.breakEvenInterruptionsPerHour === null ? 'never' : `${(summary.breakEvenInterruptionsPerHour * 100).toFixed(2)} %/h`}`,
    ...summary.warnings.map((warning) => `Warning: ${warning}`),
    ...summary.notes.map((note) => `Note: ${note}`),
  ];
  return lines.join('\n');
}
