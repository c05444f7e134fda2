import { planCheckpoints } from './checkpointPlan';
import type { EstimateInput } from './estimateTypes';
import { expectedWallHours } from './expectedWall';
import { finishesAt } from './validateInput';

/** Past this the search stops: a pool interrupted every few seconds is no pool. */
const HIGHEST_RATE_TRIED = 1e6;
const FIRST_RATE_TRIED = 0.01;
const BISECTION_STEPS = 80;

/**
 * The interruption rate at which spot costs as much as on-demand, by bisection (the spot cost
 * rises with the rate). Checkpoints follow the same policy as the estimate: the caller's interval
 * when given, else re-optimised for each rate, as the user would at that rate.
 * 0 when spot already costs more uninterrupted; Infinity when spot stays cheaper all the way to
 * the rate at which the job never finishes.
 * The spot cost here leaves out AWS's first-hour refund (firstHourFree.ts) on purpose: with it the
 * cost stops rising at rates where nearly every box dies young (with a notice checkpoint and a
 * restart under an hour, spot would never get dearer at all), which rests on the refund's
 * approximation far outside the rates it is checked at. Without it the break-even is a little
 * low: the cautious side. For real pools the refund is under 0.1 % of the cost.
 */
export function breakEvenInterruptionsPerHour(input: EstimateInput, onDemandCost: number): number {
  const spotCostAt = (interruptionsPerHour: number): number => expectedWallHours(planCheckpoints(input, interruptionsPerHour)) * input.spotPricePerHour;
  if (spotCostAt(0) >= onDemandCost) {
    return 0;
  }
  let cheaper = 0;
  let dearer = FIRST_RATE_TRIED;
  // An overflowing cost is Infinity, which counts as dearer, so the bracket is always closed.
  while (spotCostAt(dearer) < onDemandCost) {
    if (dearer >= HIGHEST_RATE_TRIED) {
      return Infinity;
    }
    cheaper = dearer;
    dearer *= 2;
  }
  for (let step = 0; step < BISECTION_STEPS && dearer - cheaper > 1e-12 * dearer; step++) {
    const middle = (cheaper + dearer) / 2;
    if (spotCostAt(middle) < onDemandCost) {
      cheaper = middle;
    } else {
      dearer = middle;
    }
  }
  const breakEven = (cheaper + dearer) / 2;
  // Crossing only past the no-finish limit means spot is cheaper at every rate that finishes.
  return finishesAt(input, breakEven) ? breakEven : Infinity;
}
