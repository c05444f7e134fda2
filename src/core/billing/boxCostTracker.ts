import { isBillable, type Box } from '../boxes/box';
import { userMessageOf } from '../errors';
import { Emitter } from '../events';
import type { Logger } from '../logging/logger';
import { summarizeBoxCosts, type BilledCostSummary } from './costSummary';
import type { Clock, Disposable } from '../time/clock';
import { costOfBox, type BoxCost } from './boxCost';
import type { PriceChange } from './accruedCost';
import type { PriceHistoryKey } from './priceHistorySource';

type Event<T> = (listener: (value: T) => void) => Disposable;

/** The costs of all boxes at one moment; what the ticker shows and the usage ledger records. */
export interface CostSnapshot {
  /** Epoch milliseconds the figures are for. */
  readonly at: number;
  /** False until the box list has been read once: an empty list then means "not known yet", not "none". */
  readonly boxListKnown: boolean;
  /** Every box of the store, billable or not (a stopped box and a vanished one end differently). */
  readonly allBoxes: readonly Box[];
  /** One entry per billable box. */
  readonly costs: readonly BoxCost[];
  readonly summary: BilledCostSummary;
}

export interface BoxCostTrackerDeps {
  readonly store: { readonly boxes: readonly Box[]; readonly onDidChange: Event<readonly Box[]> };
  readonly history: {
    peek(key: PriceHistoryKey, sinceMs: number): readonly PriceChange[] | undefined;
    retain(keys: readonly PriceHistoryKey[]): void;
    readonly onDidUpdate: Event<PriceHistoryKey>;
  };
  /**
   * The interruption notices read from the boxes' agents (the recovery's NoticeBoard): a box EC2
   * will reclaim in its first hour is billed at $0. Absent: every box is billed in full.
   */
  readonly notices?: {
    of(instanceId: string): { readonly kind: string; readonly actionTime?: number } | undefined;
    readonly onDidChange: Event<unknown>;
  };
  /** The on-demand price of a type in a region (the baseline of savings); undefined when unknown. */
  onDemandPrice(region: string, instanceType: string): Promise<number | undefined>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often costs are recomputed while something is billable. */
  readonly tickMs: number;
}

/**
 * Prices the billable boxes from their spot price history. It recomputes when the box list
 * changes, when a price read lands, and otherwise once per tick only while a box is billable:
 * with nothing running it holds no timer at all.
 */
export class BoxCostTracker implements Disposable {
  private readonly changed = new Emitter<CostSnapshot>();
  readonly onDidChange = this.changed.event;
  private current: CostSnapshot;
  private boxListKnown = false;
  private timer: Disposable | undefined;
  private disposed = false;
  /** Boxes without a launch time are billed from when Spotbox first saw them. */
  private readonly firstSeen = new Map<string, number>();
  private readonly onDemand = new Map<string, number | undefined>();
  private readonly onDemandPending = new Set<string>();
  private readonly subscriptions: Disposable[];

  constructor(private readonly deps: BoxCostTrackerDeps) {
    this.subscriptions = [
      deps.store.onDidChange(() => {
        this.boxListKnown = true;
        this.recompute();
      }),
      deps.history.onDidUpdate(() => this.recompute()),
      ...(deps.notices ? [deps.notices.onDidChange(() => this.recompute())] : []),
    ];
    this.current = this.compute();
    this.schedule();
  }

  get snapshot(): CostSnapshot {
    return this.current;
  }

  /** True while a timer is pending; exposed so tests can hold the no-busy-timer promise. */
  get ticking(): boolean {
    return this.timer !== undefined;
  }

  recompute(): void {
    if (this.disposed) return;
    this.current = this.compute();
    this.schedule();
    this.changed.fire(this.current);
  }

  private schedule(): void {
    this.timer?.dispose();
    this.timer = undefined;
    if (this.current.costs.length > 0) {
      this.timer = this.deps.clock.setTimeout(() => {
        this.timer = undefined;
        this.recompute();
      }, this.deps.tickMs);
    }
  }

  private compute(): CostSnapshot {
    const now = this.deps.clock.now();
    const allBoxes = this.deps.store.boxes;
    const billable = allBoxes.filter(isBillable);
    const ids = new Set(billable.map((box) => box.instanceId));
    for (const id of [...this.firstSeen.keys()]) {
      if (!ids.has(id)) this.firstSeen.delete(id);
    }
    const pools: PriceHistoryKey[] = [];
    const costs = billable.map((box) => {
      const startMs = box.launchTime ?? this.firstSeenOf(box.instanceId, now);
      let history: readonly PriceChange[] | undefined;
      if (box.lifecycle === 'spot' && box.availabilityZone !== '') {
        const pool = { region: box.region, instanceType: box.instanceType, availabilityZone: box.availabilityZone };
        pools.push(pool);
        history = this.deps.history.peek(pool, startMs);
      }
      const notice = this.deps.notices?.of(box.instanceId);
      const reclaimAt = notice?.kind === 'interruption' ? notice.actionTime : undefined;
      return costOfBox(box, now, { startMs, history, onDemandUsdPerHour: this.onDemandOf(box), reclaimAt });
    });
    this.deps.history.retain(pools);
    return { at: now, boxListKnown: this.boxListKnown, allBoxes, costs, summary: summarizeBoxCosts(costs) };
  }

  private firstSeenOf(instanceId: string, now: number): number {
    const seen = this.firstSeen.get(instanceId) ?? now;
    this.firstSeen.set(instanceId, seen);
    return seen;
  }

  /** Known on-demand prices at once; an unknown one is asked for and the costs recomputed when it lands. */
  private onDemandOf(box: Box): number | undefined {
    const key = `${box.region}|${box.instanceType}`;
    if (this.onDemand.has(key) || this.onDemandPending.has(key)) {
      return this.onDemand.get(key);
    }
    this.onDemandPending.add(key);
    // Through a promise chain so a lookup that throws instead of rejecting is handled alike.
    Promise.resolve()
      .then(() => this.deps.onDemandPrice(box.region, box.instanceType))
      .then(
      (price) => {
        this.onDemandPending.delete(key);
        this.onDemand.set(key, price);
        this.recompute();
      },
      (error: unknown) => {
        // Not remembered: the next recompute (a tick at most) asks again.
        this.onDemandPending.delete(key);
        this.deps.logger.debug(`on-demand price of ${box.instanceType} in ${box.region} unavailable: ${userMessageOf(error)}`);
      },
    );
    return undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.timer?.dispose();
    this.timer = undefined;
    this.subscriptions.forEach((subscription) => subscription.dispose());
    this.changed.dispose();
  }
}
