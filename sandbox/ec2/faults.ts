/**
 * Faults that live only as long as the process (throttling, latency, dry pools): they model
 * transient conditions, whereas price spikes are part of the market and persist with the state.
 */
export interface CapacityFault {
  readonly region: string;
  readonly instanceType: string;
  readonly availabilityZone?: string;
  /** Launch attempts still to fail; Infinity = until cleared. */
  remaining: number;
}

export class Faults {
  private throttleLeft = 0;
  private readonly latency = new Map<string, number>();
  private capacity: CapacityFault[] = [];

  throttle(n: number): void {
    this.throttleLeft = Math.max(0, Math.floor(n));
  }

  /** True when this call must be throttled (consumes one). */
  takeThrottle(): boolean {
    if (this.throttleLeft <= 0) return false;
    this.throttleLeft--;
    return true;
  }

  get throttleRemaining(): number {
    return this.throttleLeft;
  }

  /** `region` undefined = every region. ms <= 0 clears. */
  setLatency(ms: number, region?: string): void {
    const key = region ?? '*';
    if (ms > 0) this.latency.set(key, ms);
    else this.latency.delete(key);
  }

  clearLatency(): void {
    this.latency.clear();
  }

  latencyFor(region: string | undefined): number {
    return (region !== undefined ? this.latency.get(region) : undefined) ?? this.latency.get('*') ?? 0;
  }

  addCapacityFault(fault: CapacityFault): void {
    this.capacity.push(fault);
  }

  clearCapacityFaults(): void {
    this.capacity = [];
  }

  private match(region: string, instanceType: string, zone: string): CapacityFault | undefined {
    return this.capacity.find(
      (f) => f.remaining > 0 && f.region === region && f.instanceType === instanceType && (!f.availabilityZone || f.availabilityZone === zone),
    );
  }

  isDry(region: string, instanceType: string, zone: string): boolean {
    return this.match(region, instanceType, zone) !== undefined;
  }

  /** True when a launch into this pool must fail; consumes one from the fault's count. */
  takeCapacityFailure(region: string, instanceType: string, zone: string): boolean {
    const f = this.match(region, instanceType, zone);
    if (!f) return false;
    f.remaining--;
    this.capacity = this.capacity.filter((c) => c.remaining > 0);
    return true;
  }
}
