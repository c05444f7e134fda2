import type { Catalogs } from '../pricing/catalogTypes';
import { matchingAwsTypes } from '../pricing/catalogPools';
import type { SpotboxProfile } from './profileTypes';

export interface RegionPools {
  readonly region: string;
  readonly instanceTypes: readonly string[];
}

/**
 * The instance types to launch on, per region of the profile. Explicit types are kept as written
 * (the catalog may lag behind AWS); a GPU need becomes every catalog type with that model and at
 * least that many GPUs that has a price in the region, i.e. that AWS offers there.
 */
export function expandPools(profile: SpotboxProfile, catalogs: Catalogs): RegionPools[] {
  return profile.regions.map((region) => {
    if (profile.instanceTypes) return { region, instanceTypes: [...profile.instanceTypes] };
    const need = { model: profile.gpu ?? '', count: profile.gpus ?? 1 };
    const offered = matchingAwsTypes(catalogs, need, undefined).filter((type) => catalogs.onDemand.instanceTypes[type]?.prices[region] !== undefined);
    return { region, instanceTypes: offered.sort() };
  });
}
