import { SpotboxError } from '../errors';
import { systemClock, type Clock } from './clock';

/** What one look at the awaited thing found: the answer, or not yet (with what was seen, for the timeout message). */
export type PollOutcome<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly detail?: string };

export const done = <T>(value: T): PollOutcome<T> => ({ done: true, value });
export const notYet = (detail?: string): PollOutcome<never> => ({ done: false, ...(detail !== undefined ? { detail } : {}) });

export interface PollAttempt {
  /** 0 for the first look. */
  readonly attempt: number;
  /** The caller's signal, to pass on to the calls a check makes. */
  readonly signal?: AbortSignal;
}

/** Why polling gave up, for a caller that builds its own error. */
export interface PollGiveUp {
  readonly describe: string;
  readonly attempts: number;
  readonly elapsedMs: number;
  /** The detail of the last `notYet`, or the message of the last retried error. */
  readonly lastDetail?: string;
  /** The last error `retryOn` let through, if the last look failed. */
  readonly lastError?: unknown;
}

export interface PollOptions {
  /** What is awaited, in words ("the host keys on the console of i-0abc"): names it in the timeout error. */
  readonly describe: string;
  /** Pause after the first look that is not done. */
  readonly intervalMs: number;
  /** Each pause is the previous one times this (default 1: a fixed interval). */
  readonly backoffFactor?: number;
  /** Backoff stops growing here. */
  readonly maxIntervalMs?: number;
  /** Pause before the first look (default 0: look at once). */
  readonly firstLookAfterMs?: number;
  /** Gives up this long after the start; the last pause is shortened so the last look is at the deadline. */
  readonly timeoutMs?: number;
  /** Gives up after this many looks. */
  readonly maxAttempts?: number;
  /** Ends the wait, rejecting with the signal's reason, also in the middle of a pause. */
  readonly signal?: AbortSignal;
  /** Errors the check throws that mean "not yet" (a box still booting); any other error ends the wait at once. */
  readonly retryOn?: (error: unknown) => boolean;
  /** The error to reject with on giving up (default: a PollTimeoutError naming what was awaited). */
  readonly timeoutError?: (giveUp: PollGiveUp) => Error;
  /** Time, and the timers of the default pause. */
  readonly clock?: Clock;
  /** Replaces the clock's timers for the pauses (tests, or a pause that must not hold a process open). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class PollTimeoutError extends SpotboxError {
  constructor(readonly giveUp: PollGiveUp) {
    const seconds = Math.round(giveUp.elapsedMs / 100) / 10;
    const last = giveUp.lastDetail ? ` (last seen: ${giveUp.lastDetail})` : '';
    super(`Gave up waiting for ${giveUp.describe} after ${seconds} s and ${giveUp.attempts} attempt(s)${last}.`, undefined, giveUp.lastError !== undefined ? { cause: giveUp.lastError } : undefined);
    this.name = 'PollTimeoutError';
  }
}

/**
 * Looks at something until it is done: the one wait loop of Spotbox (instances, consoles, agents,
 * experiments, reconnects). Resolves with the check's value; rejects with the check's own error (one
 * `retryOn` does not take), with the timeout error once the time or the attempts run out, and with
 * the signal's reason once it aborts. The deadline is checked between looks: a check bounds its own
 * calls (pass it `signal`).
 */
export async function pollUntil<T>(check: (attempt: PollAttempt) => Promise<PollOutcome<T>>, options: PollOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => sleepOn(clock, ms, signal));
  const { signal } = options;
  const startedAt = clock.now();
  const deadline = options.timeoutMs !== undefined ? startedAt + options.timeoutMs : Number.POSITIVE_INFINITY;
  let pause = options.intervalMs;
  let lastDetail: string | undefined;
  let lastError: unknown;
  const giveUp = (attempts: number): Error => {
    const reason: PollGiveUp = { describe: options.describe, attempts, elapsedMs: clock.now() - startedAt, ...(lastDetail !== undefined ? { lastDetail } : {}), ...(lastError !== undefined ? { lastError } : {}) };
    return options.timeoutError?.(reason) ?? new PollTimeoutError(reason);
  };
  if (options.firstLookAfterMs) {
    await pauseOrAbort(sleep, options.firstLookAfterMs, signal);
  }
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    let outcome: PollOutcome<T>;
    try {
      outcome = await check({ attempt, ...(signal ? { signal } : {}) });
      lastError = undefined;
    } catch (error) {
      // An abort that surfaced through the check's own calls is a cancel, not a failed look.
      signal?.throwIfAborted();
      if (!options.retryOn?.(error)) {
        throw error;
      }
      outcome = notYet(error instanceof Error ? error.message : String(error));
      lastError = error;
    }
    if (outcome.done) {
      return outcome.value;
    }
    lastDetail = outcome.detail;
    const left = deadline - clock.now();
    if (left <= 0 || (options.maxAttempts !== undefined && attempt + 1 >= options.maxAttempts)) {
      throw giveUp(attempt + 1);
    }
    await pauseOrAbort(sleep, Math.min(pause, left), signal);
    pause = Math.min(pause * (options.backoffFactor ?? 1), options.maxIntervalMs ?? Number.POSITIVE_INFINITY);
  }
}

async function pauseOrAbort(sleep: (ms: number, signal?: AbortSignal) => Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, signal);
  } finally {
    signal?.throwIfAborted();
  }
}

/** A pause on the clock's timers that an abort ends early (the caller then throws the reason). */
function sleepOn(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      timer.dispose();
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
