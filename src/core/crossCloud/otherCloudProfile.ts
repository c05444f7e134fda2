import type { OtherCloud, SpotboxProfile } from '../profile/profileTypes';

/**
 * The profile a moved session is launched from on the other cloud: the same box, checkpoint
 * (prefix, folder, signals) and session, in that cloud's words from its otherClouds entry. No
 * further moves from there in this version, and nothing AWS-only (the instance profile).
 */
export function profileOnOtherCloud(profile: SpotboxProfile, target: OtherCloud): SpotboxProfile {
  return {
    ...profile,
    cloud: target.cloud,
    regions: target.regions,
    instanceTypes: target.instanceTypes,
    gpu: undefined,
    gpus: undefined,
    image: target.image,
    sshUser: target.sshUser,
    maxPrice: target.maxPrice ?? profile.maxPrice,
    checkpoint: { ...profile.checkpoint!, bucket: target.bucket, instanceProfile: undefined },
    replacement: undefined,
    otherClouds: undefined,
    moveAcrossClouds: undefined,
  };
}
