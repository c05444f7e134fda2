import type { Clock, Disposable } from '../../../src/core/time/clock';

/** A fake clock for waits: time moves only from timer to timer, and each pause taken is recorded. */
export class PollClock implements Clock {
  time = 0;
  readonly pauses: number[] = [];
  private timers: Array<{ at: number; run: () => void; live: boolean }> = [];

  now = (): number => this.time;

  setInterval(): Disposable {
    throw new Error('pollUntil uses one-shot timers only');
  }

  setTimeout(run: () => void, delayMs: number): Disposable {
    this.pauses.push(delayMs);
    const timer = { at: this.time + delayMs, run, live: true };
    this.timers.push(timer);
    return { dispose: () => (timer.live = false) };
  }

  /** Runs the next timer due, moving time to it; false when none is pending. */
  runNext(): boolean {
    const next = this.timers.filter((timer) => timer.live).sort((a, b) => a.at - b.at)[0];
    if (!next) return false;
    next.live = false;
    this.time = next.at;
    next.run();
    return true;
  }

  /** Lets the promise run to its end, firing each timer as soon as the code waits on it. */
  async drive<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => (settled = true));
    watched.catch(() => undefined);
    while (!settled) {
      await new Promise((resolve) => setImmediate(resolve));
      if (!settled && !this.runNext()) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return watched;
  }
}
