import { planCheckpoints } from './checkpointPlan';
import type { EstimateInput } from './estimateTypes';
import { expectedWallHours } from './expectedWall';
import { finishesAt } from './validateInput';

/** Past this the search stops: a pool interrupted every few seconds is no pool. */
const HIGHEST_RATE_TRIED = 1e6;
const FIRST_RATE_TRIED = 0.01;
const BISECTION_STEPS = 80;

function spotCostAt(input: EstimateInput, interruptionsPerHour: number): number {
  return expectedWallHours(planCheckpoints(input, interruptionsPerHour)) * input.spotPricePerHour;
}

/**
 * The interruption rate at which spot costs as much as on-demand, by bisection (the spot cost
 * rises with the rate). Checkpoints follow the same policy as the estimate: the caller's interval
 * when given, else re-optimised for each rate, as the user would at that rate.
 * 0 when spot already costs more uninterrupted; Infinity when spot stays cheaper all the way to
 * the rate at which the job never finishes.
 */
export function breakEvenInterruptionsPerHour(input: EstimateInput, onDemandCost: number): number {
  if (spotCostAt(input, 0) >= onDemandCost) {
    return 0;
  }
  let cheaper = 0;
  let dearer = FIRST_RATE_TRIED;
  // An overflowing cost is Infinity, which counts as dearer, so the bracket is always closed.
  while (spotCostAt(input, dearer) < onDemandCost) {
    if (dearer >= HIGHEST_RATE_TRIED) {
      return Infinity;
    }
    cheaper = dearer;
    dearer *= 2;
  }
  for (let step = 0; step < BISECTION_STEPS && dearer - cheaper > 1e-12 * dearer; step++) {
    const middle = (cheaper + dearer) / 2;
    if (spotCostAt(input, middle) < onDemandCost) {
      cheaper = middle;
    } else {
      dearer = middle;
    }
  }
  const breakEven = (cheaper + dearer) / 2;
  // Crossing only past the no-finish limit means spot is cheaper at every rate that finishes.
  return finishesAt(input, breakEven) ? breakEven : Infinity;
}
