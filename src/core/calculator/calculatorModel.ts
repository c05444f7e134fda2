/**
 * What the savings calculator takes and shows, as plain data: the webview protocol carries these,
 * and the CLI could print them. No vscode and no Node imports (the webview bundles this file too).
 */
import type { CloudId } from '../cloud/clouds';

export interface CalculatorInputs {
  /** A GPU need ("8x H100", "1x A10G") or an exact instance type ("p5.48xlarge"). */
  readonly gpuOrInstanceType: string;
  /** AWS regions to compare; empty means every region Spotbox knows. */
  readonly regions: readonly string[];
  readonly jobHours: number;
  readonly checkpointMinutes: number;
  readonly restartMinutes: number;
  readonly noticeCheckpoint: boolean;
  /** Overrides the pool's interruption rate (per hour) when set. */
  readonly interruptionsPerHour?: number;
  /**
   * Where pools' interruption rates come from: AWS Spot Instance Advisor buckets (monthly
   * frequency, converted per hour) or the seed article's per-GPU hourly figures (H100 4.1 %/h ...).
   */
  readonly interruptionModel: InterruptionModel;
  readonly includeOtherClouds: boolean;
}

export type InterruptionModel = 'advisor' | 'article';

export const DEFAULT_CALCULATOR_INPUTS: CalculatorInputs = {
  gpuOrInstanceType: '8x H100',
  regions: [],
  jobHours: 100,
  // 90 s: an 8 GB checkpoint at S3's ~90 MB/s, and it fits in AWS's notice (about 100 s usable).
  checkpointMinutes: 1.5,
  restartMinutes: 15,
  noticeCheckpoint: true,
  interruptionModel: 'advisor',
  includeOtherClouds: true,
};

export interface PoolRow {
  readonly id: string;
  readonly cloud: string;
  readonly region: string;
  readonly availabilityZone?: string;
  readonly instanceType: string;
  readonly gpu: string;
  readonly spotPerHour: number;
  readonly onDemandPerHour: number;
  /** Where the spot price came from and how old it is, e.g. "live, 2 min ago" / "catalog, 2025-05". */
  readonly priceAge: string;
  /** The same for the on-demand price, which often comes from elsewhere (a price list, a catalog). */
  readonly onDemandPriceAge: string;
  readonly priceIsEstimate: boolean;
  readonly interruptionsPerHour: number;
  readonly interruptionSource: string;
  readonly noticeSeconds: number;
  readonly spotCost: number;
  readonly onDemandCost: number;
  readonly savingsPercent: number;
  readonly expectedWallHours: number;
}

/** A cloud's cheapest spot option for the job: the clouds side by side. */
export interface CloudComparisonRow {
  readonly cloud: CloudId;
  /** As the cloud names itself: "AWS", "Google Cloud", "Azure". */
  readonly label: string;
  /** The pool with the lowest expected job cost on spot in this cloud (its notice and interruption rate counted). */
  readonly pool: PoolRow;
  /** How much more the job is expected to cost here than in the cheapest cloud; 0 for the cheapest. */
  readonly aboveCheapestPercent: number;
}

export interface ResultCards {
  readonly pool: PoolRow;
  readonly spotCost: number;
  readonly onDemandCost: number;
  readonly savingsPercent: number;
  readonly expectedInterruptions: number;
  readonly expectedWallHours: number;
  readonly checkpointIntervalMinutes: number;
  readonly breakEvenInterruptionsPerHour: number;
  readonly warnings: readonly string[];
}

/** Cost against job length for the best pool, one series per strategy. */
export interface CostChart {
  readonly jobHours: readonly number[];
  readonly onDemand: readonly number[];
  readonly spotWithoutNotice: readonly (number | null)[];
  readonly spotWithNotice: readonly (number | null)[];
}

export interface CalculatorResult {
  readonly inputs: CalculatorInputs;
  readonly cards: ResultCards;
  readonly chart: CostChart;
  readonly rows: readonly PoolRow[];
  /** One row per cloud with a pool for the job, cheapest first (every pool counts, not only the listed rows). */
  readonly byCloud: readonly CloudComparisonRow[];
  readonly notes: readonly string[];
}

/** Validates inputs arriving from the webview (never trust a message's shape). */
export function parseCalculatorInputs(value: unknown): CalculatorInputs | { error: string; field?: keyof CalculatorInputs } {
  if (typeof value !== 'object' || value === null) {
    return { error: 'Inputs missing.' };
  }
  const raw = value as Record<string, unknown>;
  const number = (key: keyof CalculatorInputs, min: number, label: string): number | { error: string; field: keyof CalculatorInputs } => {
    const parsed = typeof raw[key] === 'number' ? raw[key] : Number(raw[key]);
    return Number.isFinite(parsed) && parsed >= min ? parsed : { error: `${label} must be a number ≥ ${min}.`, field: key };
  };
  const gpuOrInstanceType = typeof raw.gpuOrInstanceType === 'string' ? raw.gpuOrInstanceType.trim() : '';
  if (!gpuOrInstanceType) {
    return { error: 'Enter a GPU need such as "8x H100" or an instance type such as "g5.xlarge".', field: 'gpuOrInstanceType' };
  }
  const regions = Array.isArray(raw.regions) ? raw.regions.filter((region): region is string => typeof region === 'string') : [];
  const jobHours = number('jobHours', 0.01, 'Job length (hours)');
  const checkpointMinutes = number('checkpointMinutes', 0, 'Checkpoint time (minutes)');
  const restartMinutes = number('restartMinutes', 0, 'Restart time (minutes)');
  for (const parsed of [jobHours, checkpointMinutes, restartMinutes]) {
    if (typeof parsed !== 'number') {
      return parsed;
    }
  }
  let interruptionsPerHour: number | undefined;
  if (raw.interruptionsPerHour !== undefined && raw.interruptionsPerHour !== null && raw.interruptionsPerHour !== '') {
    const parsed = number('interruptionsPerHour', 0, 'Interruptions per hour');
    if (typeof parsed !== 'number') {
      return parsed;
    }
    interruptionsPerHour = parsed;
  }
  return {
    gpuOrInstanceType,
    regions,
    jobHours: jobHours as number,
    checkpointMinutes: checkpointMinutes as number,
    restartMinutes: restartMinutes as number,
    noticeCheckpoint: raw.noticeCheckpoint !== false,
    interruptionsPerHour,
    interruptionModel: raw.interruptionModel === 'article' ? 'article' : 'advisor',
    includeOtherClouds: raw.includeOtherClouds !== false,
  };
}
