import { observedExposure } from '../agent/autoInterval';
import type { BoxSession } from '../dashboard/usageTypes';
import { SpotboxError } from '../errors';
import type { PoolQuery, PoolScan, PricePoint } from '../pricing/pricingTypes';
import { buildCalculatorResult, type EstimateFunction } from './buildCalculatorResult';
import type { CalculatorInputs, CalculatorResult } from './calculatorModel';

export interface PoolScanner {
  scanPools(query: PoolQuery): Promise<PoolScan>;
}

/** An input the user can fix, naming the field the way the calculator form does. */
export class CalculatorInputError extends SpotboxError {
  constructor(
    readonly field: keyof CalculatorInputs,
    message: string,
  ) {
    super(message);
    this.name = 'CalculatorInputError';
  }
}

// Instance type names have a family and a size ("p5.48xlarge"); GPU needs never contain a dot.
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/i;

export function poolQueryOf(inputs: CalculatorInputs, knownRegions: readonly string[]): PoolQuery {
  const unknown = inputs.regions.filter((region) => !knownRegions.includes(region));
  if (unknown.length > 0) {
    throw new CalculatorInputError('regions', `Unknown region ${unknown.join(', ')}: use AWS region names such as us-east-1 (${knownRegions.length} known).`);
  }
  const text = inputs.gpuOrInstanceType.trim();
  const target = INSTANCE_TYPE.test(text) ? { instanceType: text } : { gpu: text };
  return { ...target, regions: inputs.regions.length > 0 ? inputs.regions : undefined, includeOtherClouds: inputs.includeOtherClouds };
}

/** The calculator's one operation: scan the pools for the inputs, then estimate and rank them. */
export class CalculatorService {
  constructor(
    private readonly scanner: () => Promise<PoolScanner>,
    private readonly deps: {
      estimate: EstimateFunction;
      priceAge: (price: PricePoint) => string;
      knownRegions: () => Promise<readonly string[]>;
      /** The usage ledger's sessions: a pool Spotbox has run on is rated by what was seen there (the Advisor bucket as prior). */
      usageSessions?: () => Promise<readonly BoxSession[]>;
    },
  ) {}

  async calculate(inputs: CalculatorInputs): Promise<CalculatorResult> {
    const query = poolQueryOf(inputs, await this.deps.knownRegions());
    let scan: PoolScan;
    try {
      scan = await (await this.scanner()).scanPools(query);
    } catch (error) {
      if (error instanceof Error && /GPU need|GPU model/.test(error.message)) {
        throw new CalculatorInputError('gpuOrInstanceType', error.message);
      }
      throw error;
    }
    if (scan.pools.length === 0) {
      throw new CalculatorInputError(
        'gpuOrInstanceType',
        `No spot pool offers "${inputs.gpuOrInstanceType}"${query.regions ? ` in ${query.regions.join(', ')}` : ''}: try another GPU need (e.g. "1x A10G") or instance type, or more regions.`,
      );
    }
    const sessions = (await this.deps.usageSessions?.()) ?? [];
    return buildCalculatorResult(inputs, scan, {
      estimate: this.deps.estimate,
      priceAge: this.deps.priceAge,
      observedExposure: (pool) => observedExposure(sessions, pool),
    });
  }
}
