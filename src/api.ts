import type { BoxStore } from './core/boxes/boxStore';
import type { CalculatorFeature } from './webviews/calculator/registerCalculator';
import type { CostTickerState } from './statusBar/costTickerItem';

/** What activate() returns: read-only views of the running extension, used by the integration tests. */
export interface SpotboxApi {
  readonly boxStore: BoxStore;
  costTicker(): CostTickerState;
  readonly calculator: CalculatorFeature;
  /** How long activate() took, in milliseconds. */
  readonly activationMs: number;
}
