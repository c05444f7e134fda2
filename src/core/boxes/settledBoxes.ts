import { SpotboxError } from '../errors';
import type { Box } from './box';

/**
 * The boxes of every part of a listing that answered (a region, a cloud). Only when every part
 * failed does the listing fail: with the first part's own error when it says what to do (a
 * SpotboxError), else with every problem in one message.
 */
export function boxesOfSettled(results: ReadonlyArray<PromiseSettledResult<Box[]>>, problems: readonly string[]): Box[] {
  const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed.length > 0 && failed.length === results.length) {
    const first: unknown = failed[0].reason;
    throw first instanceof SpotboxError ? first : new SpotboxError(`Could not list boxes: ${problems.join('; ')}`);
  }
  return results.flatMap((result) => (result.status === 'fulfilled' ? result.value : []));
}
