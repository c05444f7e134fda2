import type { Clock } from '../time/clock';
import { pollUntil, done } from '../time/poll';

export interface WaitUntilGoneOptions {
  /** Errors (matched against `name message`) that mean the resource is still in use, e.g. /DependencyViolation/. */
  readonly retryOn: RegExp;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** What is being deleted, for the logs of a caller that catches the timeout. */
  readonly describe?: string;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

/**
 * Retries a deletion while the cloud still says the resource is in use (e.g. by a terminating
 * instance). On giving up it throws the cloud's own last error, which callers already report.
 */
export async function waitUntilGone(remove: () => Promise<void>, options: WaitUntilGoneOptions): Promise<void> {
  await pollUntil(async () => done(await remove()), {
    describe: options.describe ?? 'a resource to be deletable',
    intervalMs: options.intervalMs ?? 500,
    backoffFactor: 2,
    maxIntervalMs: 5_000,
    timeoutMs: options.timeoutMs ?? 180_000,
    retryOn: (error) => options.retryOn.test(error instanceof Error ? `${error.name} ${error.message}` : String(error)),
    timeoutError: (giveUp) => giveUp.lastError as Error,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}
