import { SpotboxError } from '../errors';
import type { LaunchRequest } from '../launch/launchTypes';
import type { RegionPools } from './expandPools';
import type { SpotboxProfile } from './profileTypes';

export interface LaunchTarget {
  /** One region of the profile with its expanded instance types (see expandPools). */
  readonly pools: RegionPools;
  /** The AMI of that region (see resolveImage). */
  readonly imageId: string;
  /** Where SSH may come from, e.g. "203.0.113.7/32" from callerPublicIp. */
  readonly callerCidr: string;
  readonly keyDirectory: string;
  readonly owner: string;
  readonly userData?: string;
}

/** Turns a validated profile and the facts found for one region into what launchBox takes. */
export function toLaunchRequest(profile: SpotboxProfile, target: LaunchTarget): LaunchRequest {
  const { region, instanceTypes } = target.pools;
  if (!profile.regions.includes(region)) throw new SpotboxError(`Region ${region} is not in the profile "${profile.name}" (${profile.regions.join(', ')}).`);
  if (instanceTypes.length === 0) {
    throw new SpotboxError(`No instance type of the profile "${profile.name}" is offered in ${region}.`, 'Add another region to "regions" or change "instanceTypes" / "gpu" in .spotbox/profile.json.');
  }
  // A wider range would open SSH to others; launchBox trusts this value, so it is checked here.
  if (!/^(\d{1,3}\.){3}\d{1,3}\/32$/.test(target.callerCidr)) {
    throw new SpotboxError(`"${target.callerCidr}" is not a single address (/32): SSH is only opened to the caller's own IP.`);
  }
  return {
    boxName: profile.name,
    region,
    pools: instanceTypes.map((instanceType) => ({ instanceType })),
    imageId: target.imageId,
    maxPricePerHour: profile.maxPrice,
    allocationStrategy: profile.allocationStrategy,
    onDemandFallback: profile.onDemandFallback,
    volumeGb: profile.volumeGb,
    sshCidr: target.callerCidr,
    owner: target.owner,
    sshUser: profile.sshUser,
    ...(profile.checkpoint?.instanceProfile ? { instanceProfile: profile.checkpoint.instanceProfile } : {}),
    workspaceDir: profile.workspaceDir,
    keyDirectory: target.keyDirectory,
    ...(target.userData !== undefined ? { userData: target.userData } : {}),
  };
}
