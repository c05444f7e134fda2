import { PROFILE_DEFAULTS, type SpotboxProfile } from './profileTypes';

/** A starting profile for the wizard: one cheap single-GPU box in us-east-1. */
export function defaultProfile(name: string): SpotboxProfile {
  return { name, regions: ['us-east-1'], gpu: 'A10G', gpus: 1, maxPrice: 1.5, ...PROFILE_DEFAULTS };
}

/** The profile as file text; the extension's jsonValidation schema applies by file name, no $schema needed. */
export function profileFileText(profile: SpotboxProfile): string {
  return JSON.stringify(profile, null, 2) + '\n';
}
