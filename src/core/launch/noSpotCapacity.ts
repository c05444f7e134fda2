/** EC2's error codes for "no capacity for this request in this pool" (a fleet's Errors, RunInstances). */
const NO_CAPACITY_CODES = new Set(['InsufficientInstanceCapacity', 'InsufficientCapacity', 'InsufficientHostCapacity']);

export function isNoCapacityCode(code: string | undefined): boolean {
  return code !== undefined && NO_CAPACITY_CODES.has(code);
}

/** The replacement could not be had on the lineage's cloud: EC2 answered that it has no Spot capacity in any of its pools. */
export class NoSpotCapacityError extends Error {
  constructor(
    readonly region: string,
    /** EC2's words per pool, as poolErrorLine gives them. */
    readonly lines: readonly string[],
  ) {
    super(`EC2 has no Spot capacity for the replacement in ${region}: ${lines.join('; ')}`);
    this.name = 'NoSpotCapacityError';
  }
}
