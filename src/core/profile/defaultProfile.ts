import { PROFILE_DEFAULTS, type SpotboxProfile } from './profileTypes';

/** A starting profile for the wizard: one cheap single-GPU box in us-east-1. */
export function defaultProfile(name: string): SpotboxProfile {
  return { name, regions: ['us-east-1'], gpu: 'A10G', gpus: 1, maxPrice: 1.5, ...PROFILE_DEFAULTS };
}

/**
 * The profile as file text; the extension's jsonValidation schema applies by file name, no $schema
 * needed. "cloud" is written only when it is not the default AWS, right after the name, so the files
 * written before there was a choice of cloud read the same.
 */
export function profileFileText(profile: SpotboxProfile): string {
  const { name, cloud, ...rest } = profile;
  return JSON.stringify(cloud === PROFILE_DEFAULTS.cloud ? { name, ...rest } : { name, cloud, ...rest }, null, 2) + '\n';
}
