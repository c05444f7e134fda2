import type { Catalogs } from '../pricing/catalogTypes';
import { CLOUD_FACTS } from '../cloud/clouds';
import { SpotboxError } from '../errors';
import { gpuFits, matchingAwsTypes } from '../pricing/catalogPools';
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

/**
 * A Google Cloud or Azure profile with a GPU need ("8x H100") gets the machine types of that
 * cloud's catalog that meet it (same model, at least that many GPUs) and are offered in one of its
 * regions, cheapest Spot first: "8x H100" is a3-highgpu-8g on Google Cloud and
 * Standard_ND96isr_H100_v5 on Azure. Explicit types are kept; an unmet need is an error saying so.
 */
export function withCloudMachineTypes(profile: SpotboxProfile, catalogs: Catalogs): SpotboxProfile {
  if (profile.instanceTypes || (profile.cloud !== 'gcp' && profile.cloud !== 'azure')) return profile;
  const catalog = profile.cloud === 'gcp' ? catalogs.gcp : catalogs.azure;
  const need = { model: profile.gpu ?? '', count: profile.gpus ?? 1 };
  const offered = Object.entries(catalog.instanceTypes)
    // The catalog prices N1 with attached T4s as "n1-standard-8+1xT4"; launching them (guestAccelerators) is not done yet.
    .filter(([type, entry]) => gpuFits(entry.gpu, need) && !type.includes('+'))
    .map(([type, entry]) => ({ type, cheapest: Math.min(...profile.regions.map((region) => entry.prices[region]?.spotUsdPerHour ?? Infinity)) }))
    .filter((candidate) => Number.isFinite(candidate.cheapest))
    .sort((a, b) => a.cheapest - b.cheapest || a.type.localeCompare(b.type))
    .map((candidate) => candidate.type);
  if (offered.length === 0) {
    const label = CLOUD_FACTS[profile.cloud].label;
    throw new SpotboxError(
      `No ${CLOUD_FACTS[profile.cloud].machineWord} in Spotbox's ${label} catalog has ${need.count}x ${need.model} in ${profile.regions.join(', ')}; nothing was created.`,
      `Name the types yourself in "instanceTypes" (e.g. ["${CLOUD_FACTS[profile.cloud].machineExample}"]), or pick regions where ${label} offers ${need.model}.`,
    );
  }
  return { ...profile, instanceTypes: offered };
}
