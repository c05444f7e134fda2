import type { CloudId } from '../cloud/clouds';
import type { PriceService } from '../pricing/priceService';
import type { Pool, RegionNote } from '../pricing/pricingTypes';
import type { PriceMoveVerdict } from '../recovery/crossCloudTypes';
import type { LineageRecord } from '../recovery/recoveryTypes';
import { decidePriceMove } from './moveDecision';

export interface PriceCheckDeps {
  /** The editor's price service (live EC2 Spot price history, Billing Catalog, Retail Prices; their caches). */
  readonly prices: () => Promise<PriceService>;
  /** The size of the lineage's newest committed checkpoint, from its manifest; undefined when there is none. */
  readonly newestCheckpointBytes: (record: LineageRecord) => Promise<number | undefined>;
  /** The clouds this editor can land a session on (signed in to): an entry of another cloud is not priced. */
  readonly landable: readonly CloudId[];
  readonly now?: () => number;
}

/**
 * Prices a lineage's replacement at a notice against the other clouds its profile names, with the
 * prices the launch's pre-flight reads: the fleet's instance types in the lineage's region (live EC2
 * Spot price history) and each otherClouds entry's machine types and regions (live from that
 * cloud's price list), then decidePriceMove. The checkpoint's size is its newest manifest's, else
 * the lineage's last measured one. Throws only when the price service itself cannot be had.
 */
export async function checkPriceMove(deps: PriceCheckDeps, record: LineageRecord): Promise<PriceMoveVerdict> {
  const profile = record.crossCloud?.profile;
  const cheaperByPercent = profile?.moveAcrossClouds?.cheaperByPercent;
  if (!profile || cheaperByPercent === undefined) return { move: false, reason: 'the profile sets no moveAcrossClouds.cheaperByPercent' };
  const service = await deps.prices();
  const types = [...new Set(record.launch.pools.map((pool) => pool.instanceType))];
  const targets = (profile.otherClouds ?? []).filter((target): target is typeof target & { cloud: 'gcp' | 'azure' } => (target.cloud === 'gcp' || target.cloud === 'azure') && deps.landable.includes(target.cloud));
  const [home, others, checkpointBytes] = await Promise.all([
    Promise.all(types.map((instanceType) => service.scanPools({ instanceType, regions: [record.region] }))),
    Promise.all(targets.map((target) => service.otherCloudPricedPools(target.cloud, target.instanceTypes, target.regions))),
    deps.newestCheckpointBytes(record).catch(() => undefined),
  ]);
  const homePools: Pool[] = home.flatMap((scan) => scan.pools).filter((pool) => pool.cloud === 'aws' && types.includes(pool.instanceType));
  const verdict = decidePriceMove({
    home: homePools,
    others: others.flatMap((priced) => priced.pools),
    cheaperByPercent,
    maxPrice: Object.fromEntries(targets.map((target) => [target.cloud, target.maxPrice ?? profile.maxPrice])),
    ...(checkpointBytes !== undefined || record.checkpointUploads?.last ? { checkpointBytes: checkpointBytes ?? record.checkpointUploads!.last!.bytes } : {}),
    checkpointsOnNotice: record.checkpoint !== undefined,
    ...(record.checkpointUploads ? { uploads: record.checkpointUploads } : {}),
    now: (deps.now ?? Date.now)(),
  });
  // Why a price was not live is in the service's notes (a region that failed, a cloud not signed in to).
  const notes: RegionNote[] = [...home.flatMap((scan) => scan.notes), ...others.flatMap((priced) => priced.notes)];
  return verdict.move || notes.length === 0 ? verdict : { ...verdict, reason: `${verdict.reason}; ${notes.map((note) => note.message).join(' ')}` };
}
