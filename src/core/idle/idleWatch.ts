import type { Clock, Disposable } from '../time/clock';
import type { ActivityReport } from './activityReport';
import { evaluate, INITIAL_IDLE_STATE, keepRunning, observe, terminating, type IdleDecision, type IdleLimits, type IdleState } from './idlePolicy';

/** Journal lines come in bursts (a reconnect or a reloaded window replays them): decide on the last one. */
export const IDLE_SETTLE_MS = 1_000;

interface Watched {
  state: IdleState;
  limits: IdleLimits;
  settle?: Disposable;
}

/**
 * The idle policy (idlePolicy.ts) for every box whose agent reports activity, with the timer that
 * lets a burst of reports settle before anything is decided. Decisions go to `onDecision`.
 */
export class IdleWatch {
  private readonly boxes = new Map<string, Watched>();

  constructor(
    private readonly clock: Clock,
    private readonly onDecision: (boxId: string, decision: IdleDecision) => void,
    private readonly settleMs = IDLE_SETTLE_MS,
  ) {}

  report(boxId: string, report: ActivityReport, limits: IdleLimits): void {
    const watched = this.boxes.get(boxId) ?? { state: INITIAL_IDLE_STATE, limits };
    watched.limits = limits;
    this.boxes.set(boxId, watched);
    const step = observe(watched.state, report, this.clock.now());
    watched.state = step.state;
    if (step.decision) {
      this.onDecision(boxId, step.decision);
    }
    watched.settle?.dispose();
    watched.settle = this.clock.setTimeout(() => {
      watched.settle = undefined;
      if (this.boxes.get(boxId) !== watched) {
        return;
      }
      const decided = evaluate(watched.state, this.clock.now(), watched.limits);
      watched.state = decided.state;
      if (decided.decision) {
        this.onDecision(boxId, decided.decision);
      }
    }, this.settleMs);
  }

  /** Keep Running; `period` when the choice was made in another window. */
  keepRunning(boxId: string, period?: number): void {
    const watched = this.boxes.get(boxId);
    if (watched) {
      watched.state = keepRunning(watched.state, period);
    }
  }

  terminating(boxId: string): void {
    const watched = this.boxes.get(boxId);
    if (watched) {
      watched.state = terminating(watched.state);
    }
  }

  /** The box is gone, or its termination failed: a later report starts from scratch. */
  forget(boxId: string): void {
    this.boxes.get(boxId)?.settle?.dispose();
    this.boxes.delete(boxId);
  }

  state(boxId: string): IdleState | undefined {
    return this.boxes.get(boxId)?.state;
  }

  watched(): string[] {
    return [...this.boxes.keys()];
  }

  dispose(): void {
    for (const boxId of [...this.boxes.keys()]) {
      this.forget(boxId);
    }
  }
}
