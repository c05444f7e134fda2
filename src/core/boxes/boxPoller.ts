import type { Logger } from '../logging/logger';
import type { Clock, Disposable } from '../time/clock';
import type { BoxStore } from './boxStore';

export interface BoxPollerTimings {
  /** While a box is changing state (pending, stopping). */
  readonly fastMs: number;
  /** Otherwise, to notice boxes changed elsewhere (console, another machine). */
  readonly slowMs: number;
}

/**
 * Refreshes the box list only while someone is looking (the view is visible), quickly only while
 * a box is changing state. One timer at most, always disposed.
 */
export class BoxPoller implements Disposable {
  private visible = false;
  private timer: Disposable | undefined;
  private readonly subscription: Disposable;

  constructor(
    private readonly store: BoxStore,
    private readonly clock: Clock,
    private readonly timings: BoxPollerTimings,
    private readonly logger: Logger,
  ) {
    this.subscription = store.onDidChange(() => this.schedule());
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) {
      this.refreshNow();
    } else {
      this.cancel();
    }
  }

  /** The delay until the next refresh, or undefined when none is due (view hidden). */
  get nextDelayMs(): number | undefined {
    if (!this.visible) {
      return undefined;
    }
    return this.store.boxes.some((box) => box.state === 'pending' || box.state === 'stopping' || box.state === 'interrupting') ? this.timings.fastMs : this.timings.slowMs;
  }

  private refreshNow(): void {
    this.cancel();
    this.store.refresh().catch((error: unknown) => {
      this.logger.warn(`refreshing boxes failed: ${error instanceof Error ? error.message : String(error)}`);
      // A failed refresh fires no change: keep polling anyway, at the slow pace.
      this.schedule(this.timings.slowMs);
    });
  }

  private schedule(delayMs = this.nextDelayMs): void {
    this.cancel();
    if (delayMs !== undefined && this.visible) {
      this.timer = this.clock.setTimeout(() => this.refreshNow(), delayMs);
    }
  }

  private cancel(): void {
    this.timer?.dispose();
    this.timer = undefined;
  }

  dispose(): void {
    this.cancel();
    this.subscription.dispose();
  }
}
