/**
 * Daly's higher-order optimum checkpoint interval (J. T. Daly, "A higher order estimate of the
 * optimum checkpoint interval for restart dumps", Future Generation Computer Systems 22, 2006):
 *
 *   tau = sqrt(2 C M) [1 + (1/3) sqrt(C / (2M)) + (1/9) C / (2M)] - C   for C < 2M, else M
 *
 * It minimises Daly's exact expected wall time (see expectedWall.ts) far better than Young's
 * first-order sqrt(2 C M) once C is no longer tiny next to M.
 *
 * Returns minutes of work between checkpoints; Infinity when nothing interrupts (M = Infinity),
 * 0 when checkpoints are free (C = 0: the limit is to checkpoint continuously).
 */
export function dalyOptimalIntervalMinutes(checkpointMinutes: number, mtbfHours: number): number {
  if (mtbfHours === Infinity) {
    return Infinity;
  }
  const c = checkpointMinutes;
  const m = mtbfHours * 60;
  if (c >= 2 * m) {
    return m;
  }
  const ratio = c / (2 * m);
  return Math.sqrt(2 * c * m) * (1 + Math.sqrt(ratio) / 3 + ratio / 9) - c;
}
