import type { Disposable } from '../events';

export type { Disposable };

/** Time and timers, injected so tests can run a fake clock instead of waiting. */
export interface Clock {
  now(): number;
  setInterval(callback: () => void, intervalMs: number): Disposable;
  setTimeout(callback: () => void, delayMs: number): Disposable;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval(callback, intervalMs) {
    const handle = setInterval(callback, intervalMs);
    return { dispose: () => clearInterval(handle) };
  },
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    return { dispose: () => clearTimeout(handle) };
  },
};
