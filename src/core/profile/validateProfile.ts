import type { Catalogs } from '../pricing/catalogTypes';
import type { ProfileLocator, ProfileProblem, SpotboxProfile } from './profileTypes';
import { expandPools } from './expandPools';

export interface ProfileContext {
  readonly knownRegions: Iterable<string>;
  readonly knownInstanceTypes: Iterable<string>;
  /** From parseProfile, so problems point into the file; without it they point at its start. */
  readonly locate?: ProfileLocator;
  /** With the catalogs, a GPU need no region can meet is a problem too. */
  readonly catalogs?: Catalogs;
}

/** What the catalogs know: the regions and instance types a profile may name. */
export function catalogContext(catalogs: Catalogs, locate?: ProfileLocator): ProfileContext {
  return { knownRegions: Object.keys(catalogs.onDemand.regions), knownInstanceTypes: Object.keys(catalogs.onDemand.instanceTypes), catalogs, locate };
}

/**
 * Checks a parsed profile against what exists: regions and instance types the parser can only
 * check by shape. Returns the problems; an empty list means the profile can be launched.
 */
export function validateProfile(profile: SpotboxProfile, context: ProfileContext): ProfileProblem[] {
  const locate = context.locate ?? ((path) => ({ path: [...path], line: 1, column: 1, offset: 0, length: 0 }));
  const problems: ProfileProblem[] = [];
  if (profile.cloud !== 'aws') {
    // AWS's catalogs do not judge another cloud's names: that cloud does, at launch; a GPU need is
    // expanded from that cloud's catalog then (expandPools.ts withCloudMachineTypes).
    return problems;
  }
  const regions = new Set(context.knownRegions);
  const types = new Set(context.knownInstanceTypes);
  profile.regions.forEach((region, index) => {
    if (!regions.has(region)) problems.push({ message: `unknown region "${region}": use one of ${[...regions].sort().join(', ')}`, ...locate(['regions', index]) });
  });
  profile.instanceTypes?.forEach((type, index) => {
    if (!types.has(type)) problems.push({ message: `unknown instance type "${type}": Spotbox knows the GPU types ${[...types].sort().join(', ')}`, ...locate(['instanceTypes', index]) });
  });
  if (context.catalogs && profile.gpu !== undefined && problems.length === 0) {
    const pools = expandPools(profile, context.catalogs);
    if (pools.every((pool) => pool.instanceTypes.length === 0)) {
      problems.push({ message: `no instance type with ${profile.gpus} or more ${profile.gpu} GPUs is offered in ${profile.regions.join(', ')}: add a region or lower "gpus"`, ...locate(['gpu']) });
    }
  }
  return problems;
}
