import type { InstanceLifecycle } from '../../contract';
import type { ActionContext } from '../actions/common';
import { launchFromPools, poolsOf, type PoolLaunch } from '../actions/fleet';
import type { InstanceManager } from '../instances/manager';
import { Ec2Error } from '../protocol/errors';
import type { FleetHistoryRecord, FleetRecord, InstanceRecord, Store } from '../state/store';

export const FLEET_ID_TAG = 'aws:ec2:fleet-id';

export interface FleetEngineOptions {
  readonly store: Store;
  readonly manager: InstanceManager;
  readonly clock: () => number;
  /** A request-less context for the fleet's own launches in a region. */
  readonly contextFor: (region: string) => ActionContext;
  /** Between an instance's loss and the fleet's replacement launch (AWS: seconds); default 1000 ms. */
  readonly replacementDelayMs?: number;
  /** Between failed attempts to reach the target (every pool refused); default 5000 ms. */
  readonly retryDelayMs?: number;
  /** Lower bound of CapacityRebalance.TerminationDelay; AWS's is 120 s, tests may lower it. */
  readonly minTerminationDelaySeconds?: number;
}

function alive(rec: InstanceRecord | undefined): rec is InstanceRecord {
  return rec !== undefined && (rec.state === 'pending' || rec.state === 'running');
}

/** DescribeFleetHistory keeps this many records per fleet. */
const HISTORY_LIMIT = 1000;

const LIVE_STATES = new Set(['submitted', 'active', 'modifying']);

/**
 * The maintain loop of EC2 Fleets of type maintain. It is count-based, like AWS's: whenever a fleet
 * instance is gone (spot interruption, hard termination, TerminateInstances by anyone, a failed
 * boot) or was retired by a rebalance recommendation, the fleet launches from its pools until the
 * live, non-retiring instances meet the target again; above the target (ModifyFleet down) it
 * terminates the newest when the excess policy says termination. The fleet's own terminations
 * never trigger a replacement because the target already excludes them.
 */
export class FleetEngine {
  private readonly reconcileTimers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly retireTimers = new Map<string, NodeJS.Timeout>();
  private disposed = false;

  constructor(private readonly o: FleetEngineOptions) {
    o.manager.watch({
      onTerminated: (rec) => this.onTerminated(rec),
      onRebalanceRecommendation: (rec) => this.onRebalance(rec),
    });
  }

  private get replacementDelayMs(): number {
    return this.o.replacementDelayMs ?? 1000;
  }

  get minTerminationDelaySeconds(): number {
    return this.o.minTerminationDelaySeconds ?? 120;
  }

  get fleets(): FleetRecord[] {
    return this.o.store.state.fleets;
  }

  find(region: string, fleetId: string): FleetRecord | undefined {
    return this.fleets.find((f) => f.region === region && f.fleetId === fleetId);
  }

  private fleetOf(rec: InstanceRecord): FleetRecord | undefined {
    const id = rec.tags[FLEET_ID_TAG];
    return id ? this.find(rec.region, id) : undefined;
  }

  /** The fleet's live instances that count toward its target. */
  counted(f: FleetRecord): InstanceRecord[] {
    return f.instanceIds.map((id) => this.o.manager.get(id)).filter((r): r is InstanceRecord => alive(r) && !f.retiring[r.instanceId]);
  }

  /** Every live instance of the fleet (retiring ones included): DescribeFleetInstances. */
  live(f: FleetRecord): InstanceRecord[] {
    return f.instanceIds.map((id) => this.o.manager.get(id)).filter(alive);
  }

  /** Appends a DescribeFleetHistory record (the caller saves). */
  note(f: FleetRecord, eventType: FleetHistoryRecord['eventType'], eventSubType: string, extra: { instanceId?: string; eventDescription?: string } = {}): void {
    const history = (f.history ??= []);
    history.push({ timestamp: this.o.clock(), eventType, eventSubType, ...extra });
    if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
  }

  private onTerminated(rec: InstanceRecord): void {
    const f = this.fleetOf(rec);
    if (!f || this.disposed) return;
    this.note(f, 'instance-change', 'terminated', { instanceId: rec.instanceId, eventDescription: rec.stateReason?.message });
    clearTimeout(this.retireTimers.get(rec.instanceId));
    this.retireTimers.delete(rec.instanceId);
    if (f.retiring[rec.instanceId]) delete f.retiring[rec.instanceId];
    if (LIVE_STATES.has(f.state)) {
      this.schedule(f, this.replacementDelayMs);
    } else if ((f.state === 'deleted_terminating' || f.state === 'deleted_running') && this.live(f).length === 0) {
      f.state = 'deleted';
      this.note(f, 'fleet-change', 'deleted');
    }
    this.o.store.save();
  }

  private onRebalance(rec: InstanceRecord): void {
    const f = this.fleetOf(rec);
    if (!f || this.disposed || !f.capacityRebalance || !LIVE_STATES.has(f.state)) return;
    if (!alive(rec) || rec.lifecycle !== 'spot' || f.retiring[rec.instanceId]) return;
    f.retiring[rec.instanceId] = { strategy: f.capacityRebalance.replacementStrategy };
    this.note(f, 'instance-change', 'rebalance-recommendation', {
      instanceId: rec.instanceId, eventDescription: `Rebalance recommendation: replacement strategy ${f.capacityRebalance.replacementStrategy}`,
    });
    this.o.store.save();
    this.schedule(f, this.replacementDelayMs);
  }

  /** Runs reconcile for the fleet after ms (an earlier pending run wins). */
  schedule(f: FleetRecord, ms: number): void {
    if (this.disposed) return;
    const at = this.o.clock() + ms;
    const pending = this.reconcileTimers.get(f.fleetId);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.reconcileTimers.delete(f.fleetId);
      const current = this.find(f.region, f.fleetId);
      if (current) this.reconcile(current);
    }, ms);
    timer.unref();
    this.reconcileTimers.set(f.fleetId, { at, timer });
  }

  /** Brings the fleet to its target now; returns the launched records. */
  reconcile(f: FleetRecord): InstanceRecord[] {
    if (this.disposed || !LIVE_STATES.has(f.state)) return [];
    const ctx = this.o.contextFor(f.region);
    const counted = this.counted(f);
    const have = (lc: InstanceLifecycle): number => counted.filter((r) => r.lifecycle === lc).length;
    const result: PoolLaunch = { launched: [], records: [], errors: new Map() };
    const short: Array<[InstanceLifecycle, number, string]> = [
      ['spot', f.target.spot - have('spot'), f.spotAllocationStrategy],
      ['on-demand', f.target.onDemand - have('on-demand'), f.onDemandAllocationStrategy],
    ];
    let pools;
    try {
      pools = short.some(([, n]) => n > 0) ? poolsOf(ctx, f.configs) : [];
    } catch (err) {
      if (!(err instanceof Ec2Error)) throw err;
      f.errors = [{ lifecycle: 'spot', launchTemplateId: f.configs[0]?.launchTemplateId ?? '', version: f.configs[0]?.version ?? '', errorCode: err.code, errorMessage: err.message }];
      f.activityStatus = 'error';
      this.o.store.save();
      this.schedule(f, this.o.retryDelayMs ?? 5000);
      return [];
    }
    for (const [lifecycle, need, strategy] of short) {
      if (need > 0) launchFromPools(ctx, pools, lifecycle, need, strategy, { [FLEET_ID_TAG]: f.fleetId }, result);
    }
    for (const r of result.records) {
      f.instanceIds.push(r.instanceId);
      this.note(f, 'instance-change', 'launched', { instanceId: r.instanceId, eventDescription: `${r.instanceType} ${r.lifecycle} in ${r.availabilityZone}` });
    }
    for (const e of result.errors.values()) {
      this.note(f, 'service-error', e.code, { eventDescription: `${e.pool.instanceType ?? '?'} in ${e.pool.zone ?? '?'}: ${e.message}` });
    }
    if (result.records.length) {
      ctx.events.record('fleet-launch', { fleetId: f.fleetId, instanceIds: result.records.map((r) => r.instanceId) });
      this.startRetirements(f);
    }
    if (result.errors.size) {
      f.errors = [...result.errors.values()].slice(0, 20).map((e) => ({
        lifecycle: e.lifecycle, instanceType: e.pool.instanceType, availabilityZone: e.pool.zone,
        launchTemplateId: e.ltao.launchTemplateSpecification.launchTemplateId, version: e.ltao.launchTemplateSpecification.version,
        errorCode: e.code, errorMessage: e.message,
      }));
    }
    // Above the target (ModifyFleet down): the newest go first.
    const excess: InstanceRecord[] = [];
    for (const [lifecycle, target] of [['spot', f.target.spot], ['on-demand', f.target.onDemand]] as const) {
      const mine = counted.filter((r) => r.lifecycle === lifecycle);
      if (mine.length > target) excess.push(...mine.slice(target));
    }
    if (excess.length && f.excessCapacityTerminationPolicy === 'termination') {
      for (const r of excess) this.o.manager.terminate(r);
    }
    const now = this.counted(f);
    const met = now.filter((r) => r.lifecycle === 'spot').length === f.target.spot && now.filter((r) => r.lifecycle === 'on-demand').length === f.target.onDemand;
    const below = now.filter((r) => r.lifecycle === 'spot').length < f.target.spot || now.filter((r) => r.lifecycle === 'on-demand').length < f.target.onDemand;
    f.activityStatus = met ? 'fulfilled' : below ? (result.errors.size ? 'error' : 'pending_fulfillment') : 'pending_termination';
    if (f.state === 'submitted' || f.state === 'modifying') {
      this.note(f, 'fleet-change', f.state === 'modifying' ? 'modify_succeeded' : 'active');
      f.state = 'active';
    }
    if (below) {
      ctx.events.record('fleet-launch-failed', { fleetId: f.fleetId, errors: f.errors.map((e) => e.errorCode) });
      this.schedule(f, this.o.retryDelayMs ?? 5000);
    }
    this.o.store.save();
    return result.records;
  }

  /** launch-before-terminate: the old instance goes TerminationDelay after its replacement launched. */
  private startRetirements(f: FleetRecord): void {
    const delay = (f.capacityRebalance?.terminationDelay ?? 120) * 1000;
    for (const [id, r] of Object.entries(f.retiring)) {
      if (r.strategy !== 'launch-before-terminate' || r.terminateAt !== undefined) continue;
      r.terminateAt = this.o.clock() + delay;
      this.armRetirement(f, id);
    }
  }

  private armRetirement(f: FleetRecord, instanceId: string): void {
    const r = f.retiring[instanceId];
    if (!r || r.terminateAt === undefined || this.disposed) return;
    clearTimeout(this.retireTimers.get(instanceId));
    const timer = setTimeout(() => {
      this.retireTimers.delete(instanceId);
      const rec = this.o.manager.get(instanceId);
      if (alive(rec)) this.o.manager.terminate(rec);
    }, Math.max(0, r.terminateAt - this.o.clock()));
    timer.unref();
    this.retireTimers.set(instanceId, timer);
  }

  /** Stops the loop for a fleet (DeleteFleets), optionally terminating every live instance. */
  stop(f: FleetRecord, terminateInstances: boolean): void {
    const pending = this.reconcileTimers.get(f.fleetId);
    if (pending) clearTimeout(pending.timer);
    this.reconcileTimers.delete(f.fleetId);
    for (const id of Object.keys(f.retiring)) {
      clearTimeout(this.retireTimers.get(id));
      this.retireTimers.delete(id);
    }
    const live = this.live(f);
    f.state = live.length === 0 ? 'deleted' : terminateInstances ? 'deleted_terminating' : 'deleted_running';
    this.note(f, 'fleet-change', f.state);
    this.o.store.save();
    if (terminateInstances) for (const r of live) this.o.manager.terminate(r);
  }

  /** After a sandbox restart: re-arm retirements and bring every live fleet to its target. */
  restore(): void {
    for (const f of this.fleets) {
      if (!LIVE_STATES.has(f.state)) continue;
      for (const id of Object.keys(f.retiring)) this.armRetirement(f, id);
      this.schedule(f, this.replacementDelayMs);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const { timer } of this.reconcileTimers.values()) clearTimeout(timer);
    for (const t of this.retireTimers.values()) clearTimeout(t);
    this.reconcileTimers.clear();
    this.retireTimers.clear();
  }
}
