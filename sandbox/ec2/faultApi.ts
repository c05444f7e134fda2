import type { EventSink, InstanceAction } from '../contract';
import { instanceTypeSpec } from './catalog/instanceTypes';
import { findZone, isRegion, zones } from './catalog/regions';
import type { Faults } from './faults';
import type { InstanceManager } from './instances/manager';
import type { SpotMarket } from './spotMarket';
import type { InstanceRecord, Store } from './state/store';

export interface FaultApiParts {
  readonly store: Store;
  readonly manager: InstanceManager;
  readonly market: SpotMarket;
  readonly faults: Faults;
  readonly events: EventSink;
  readonly clock: () => number;
}

export interface InterruptOptions {
  /** Seconds between the notice and the termination; AWS gives 120. */
  readonly leadSeconds?: number;
  readonly action?: InstanceAction;
  /** Decides the final spot request status: instance-terminated-by-price / -no-capacity. */
  readonly cause?: 'price' | 'capacity';
}

export interface PriceSpike {
  readonly region: string;
  readonly availabilityZone?: string;
  readonly instanceType: string;
  /** USD per hour. */
  readonly price: number;
  /** Omitted = until the sandbox's state is reset. */
  readonly durationSeconds?: number;
  /** Notice lead time for instances priced out by the spike; default 120 s. */
  readonly leadSeconds?: number;
}

export interface CapacityFaultSpec {
  readonly region: string;
  readonly instanceType: string;
  readonly availabilityZone?: string;
  /** Launch attempts to fail; default 1; 0 or negative = every launch until clearFaults(). */
  readonly count?: number;
}

/**
 * The control surface the sandbox's control API drives. Methods throw plain Errors for bad
 * input (unknown instance, region, type) so the caller can map them to its own status codes.
 */
export class FaultApi {
  protected readonly store: Store;
  protected readonly manager: InstanceManager;
  protected readonly market: SpotMarket;
  protected readonly faults: Faults;
  protected readonly events: EventSink;
  protected readonly clock: () => number;

  constructor(parts: FaultApiParts) {
    this.store = parts.store;
    this.manager = parts.manager;
    this.market = parts.market;
    this.faults = parts.faults;
    this.events = parts.events;
    this.clock = parts.clock;
  }

  private instance(instanceId: string): InstanceRecord {
    const rec = this.manager.get(instanceId);
    if (!rec) throw new Error(`unknown instance ${instanceId}`);
    return rec;
  }

  private checkPool(region: string, instanceType: string, availabilityZone?: string): void {
    if (!isRegion(region)) throw new Error(`unknown region ${region}`);
    if (!instanceTypeSpec(instanceType)) throw new Error(`unknown instance type ${instanceType}`);
    if (availabilityZone && !findZone(region, availabilityZone)) throw new Error(`unknown availability zone ${availabilityZone} in ${region}`);
  }

  /** Sends the 2-minute notice (visible in IMDS at once); terminates after leadSeconds. */
  interruptSpot(instanceId: string, options: InterruptOptions = {}): { instanceId: string; time: string } {
    const time = this.manager.interrupt(this.instance(instanceId), options.leadSeconds ?? 120, options.action ?? 'terminate', options.cause ?? 'capacity');
    return { instanceId, time };
  }

  /**
   * Moves an instance's launch time `ageSeconds` into the past (DescribeInstances shows it), so a
   * test can have a box older than an hour without waiting: AWS bills a spot box EC2 interrupts in
   * its first hour differently from an older one.
   */
  setLaunchAge(instanceId: string, ageSeconds: number): { instanceId: string; launchTime: string } {
    if (!(ageSeconds >= 0)) throw new Error('invalid age: it must be a non-negative number of seconds');
    const rec = this.instance(instanceId);
    rec.launchTime = this.clock() - ageSeconds * 1000;
    this.store.save();
    return { instanceId, launchTime: new Date(rec.launchTime).toISOString() };
  }

  recommendRebalance(instanceId: string): { instanceId: string; noticeTime: string } {
    return { instanceId, noticeTime: this.manager.recommendRebalance(this.instance(instanceId)) };
  }

  /** Terminates without notice (spot: Server.SpotInstanceTermination, on-demand: Server.InternalError). */
  hardTerminate(instanceId: string): void {
    this.manager.hardTerminate(this.instance(instanceId));
  }

  /**
   * Overrides the pool's spot price; running spot instances whose max price is below it get an
   * interruption notice (cause price). Returns the interrupted instance ids.
   */
  spikePrice(spike: PriceSpike): { interrupted: string[] } {
    this.checkPool(spike.region, spike.instanceType, spike.availabilityZone);
    if (!(spike.price > 0)) throw new Error('price must be positive');
    const now = this.clock();
    const zone = spike.availabilityZone ? findZone(spike.region, spike.availabilityZone)?.zoneName : undefined;
    this.store.state.priceSpikes.push({
      region: spike.region,
      availabilityZone: zone,
      instanceType: spike.instanceType,
      price: spike.price,
      startsAt: now,
      endsAt: spike.durationSeconds !== undefined ? now + spike.durationSeconds * 1000 : undefined,
    });
    this.store.save();
    this.events.record('price-spike', { ...spike });
    const interrupted: string[] = [];
    for (const rec of Object.values(this.store.state.instances)) {
      if (rec.lifecycle !== 'spot' || rec.region !== spike.region || rec.instanceType !== spike.instanceType) continue;
      if (zone && rec.availabilityZone !== zone) continue;
      if (rec.state !== 'pending' && rec.state !== 'running') continue;
      const max = rec.maxPrice ?? this.market.onDemand(rec.region, rec.instanceType) ?? 0;
      if (max >= spike.price || rec.instanceAction) continue;
      this.manager.interrupt(rec, spike.leadSeconds ?? 120, 'terminate', 'price');
      interrupted.push(rec.instanceId);
    }
    return { interrupted };
  }

  failCapacity(fault: CapacityFaultSpec): void {
    this.checkPool(fault.region, fault.instanceType, fault.availabilityZone);
    const count = fault.count ?? 1;
    const zone = fault.availabilityZone ? findZone(fault.region, fault.availabilityZone)?.zoneName : undefined;
    this.faults.addCapacityFault({ region: fault.region, instanceType: fault.instanceType, availabilityZone: zone, remaining: count > 0 ? count : Infinity });
    this.events.record('capacity-fault', { ...fault, zones: zone ? [zone] : zones(fault.region).map((z) => z.zoneName) });
  }

  /** The next n API calls (any action, any region) answer RequestLimitExceeded. */
  throttle(n: number): void {
    this.faults.throttle(n);
    this.events.record('throttle-fault', { count: n });
  }

  /** Delay added to every request (of one region when given); 0 clears. */
  addLatency(ms: number, region?: string): void {
    if (region !== undefined && !isRegion(region)) throw new Error(`unknown region ${region}`);
    this.faults.setLatency(ms, region);
    this.events.record('latency-fault', { ms, region: region ?? '*' });
  }

  /** Clears throttling, latency and capacity faults and ends running price spikes. */
  clearFaults(): void {
    this.faults.throttle(0);
    this.faults.clearLatency();
    this.faults.clearCapacityFaults();
    const now = this.clock();
    for (const s of this.store.state.priceSpikes) if (s.endsAt === undefined || s.endsAt > now) s.endsAt = now;
    this.store.save();
  }
}
