import type { Clock, Disposable } from '../../../src/core/time/clock';

/** A clock whose time moves only when the test says, with the timers it holds in plain view. */
export class FakeClock implements Clock {
  time: number;
  private timers: Array<{ at: number; run: () => void; live: boolean }> = [];

  constructor(start = 0) {
    this.time = start;
  }

  now = (): number => this.time;

  setInterval(): Disposable {
    throw new Error('Spotbox billing uses one-shot timers only');
  }

  setTimeout(run: () => void, delayMs: number): Disposable {
    const timer = { at: this.time + delayMs, run, live: true };
    this.timers.push(timer);
    return { dispose: () => (timer.live = false) };
  }

  /** Delays of the timers still pending. */
  pending(): number[] {
    return this.timers.filter((timer) => timer.live).map((timer) => timer.at - this.time);
  }

  /** Moves time on and runs the timers that fall due, in order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((timer) => timer.live && timer.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.time = due.at;
      due.run();
    }
    this.time = until;
  }
}

export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
