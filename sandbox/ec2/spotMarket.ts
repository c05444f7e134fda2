import { onDemandPrice, seriesSpotPrice, HOUR_MS } from './catalog/prices';
import type { PriceSpikeRecord, Store } from './state/store';

export interface PricePoint {
  readonly time: number;
  readonly price: number;
}

/** The deterministic hourly series, overridden by injected spikes while they last. */
export class SpotMarket {
  constructor(private readonly seed: number, private readonly store: Store) {}

  private spikeAt(region: string, zone: string, instanceType: string, time: number): PriceSpikeRecord | undefined {
    let found: PriceSpikeRecord | undefined;
    for (const s of this.store.state.priceSpikes) {
      if (s.region !== region || s.instanceType !== instanceType) continue;
      if (s.availabilityZone && s.availabilityZone !== zone) continue;
      if (time < s.startsAt || (s.endsAt !== undefined && time >= s.endsAt)) continue;
      if (!found || s.startsAt >= found.startsAt) found = s;
    }
    return found;
  }

  price(region: string, zone: string, instanceType: string, time: number): number | undefined {
    const base = seriesSpotPrice(this.seed, region, zone, instanceType, time);
    if (base === undefined) return undefined;
    const spike = this.spikeAt(region, zone, instanceType, time);
    return spike ? spike.price : base;
  }

  onDemand(region: string, instanceType: string): number | undefined {
    return onDemandPrice(region, instanceType);
  }

  /**
   * Price changes in [start, end], newest first: hour boundaries plus spike starts/ends, and (as
   * EC2 answers DescribeSpotPriceHistory) the change in effect at `start`, even when it came before
   * it: a StartTime of now gets the price that applies now, a spike begun a second earlier included.
   */
  history(region: string, zone: string, instanceType: string, start: number, end: number): PricePoint[] {
    const firstHour = Math.floor(start / HOUR_MS) * HOUR_MS;
    const times = new Set<number>();
    for (let t = firstHour; t <= end; t += HOUR_MS) times.add(t);
    for (const s of this.store.state.priceSpikes) {
      if (s.region !== region || s.instanceType !== instanceType) continue;
      if (s.availabilityZone && s.availabilityZone !== zone) continue;
      for (const t of [s.startsAt, s.endsAt]) if (t !== undefined && t >= firstHour && t <= end) times.add(t);
    }
    const inEffect = Math.max(...[...times].filter((t) => t <= start));
    const points: PricePoint[] = [];
    for (const t of [...times].filter((time) => time >= inEffect).sort((a, b) => b - a)) {
      const price = this.price(region, zone, instanceType, t);
      if (price !== undefined) points.push({ time: t, price });
    }
    return points;
  }
}
