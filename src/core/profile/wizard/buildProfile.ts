import { PROFILE_DEFAULTS, type SpotboxProfile } from '../profileTypes';
import { AMI_CHOICE, TYPES_CHOICE, type WizardAnswers } from './wizardTypes';

/**
 * The profile the answers describe, fields in the order a person reads them; every default is
 * written out so the file shows what can be changed. Call once every step has an answer.
 */
export function buildProfile(answers: WizardAnswers): SpotboxProfile {
  const { name, regions, capacity, maxPrice, image } = answers;
  if (name === undefined || regions === undefined || capacity === undefined || maxPrice === undefined || image === undefined) {
    throw new Error('The profile wizard has unanswered steps.');
  }
  const need = /^(\d+)x (\S+)$/.exec(capacity);
  const bucket = answers.checkpointBucket?.trim();
  return {
    name,
    regions: [...regions],
    ...(capacity === TYPES_CHOICE ? { instanceTypes: [...(answers.instanceTypes ?? [])] } : { gpu: need?.[2] ?? capacity, gpus: Number(need?.[1] ?? 1) }),
    maxPrice,
    allocationStrategy: PROFILE_DEFAULTS.allocationStrategy,
    onDemandFallback: PROFILE_DEFAULTS.onDemandFallback,
    image: image === AMI_CHOICE ? (answers.amiId ?? '') : image,
    volumeGb: PROFILE_DEFAULTS.volumeGb,
    sshUser: answers.sshUser ?? PROFILE_DEFAULTS.sshUser,
    workspaceDir: answers.workspaceDir ?? PROFILE_DEFAULTS.workspaceDir,
    idleStopMinutes: PROFILE_DEFAULTS.idleStopMinutes,
    ...(bucket ? { checkpoint: { bucket, prefix: `spotbox/${name}/` } } : {}),
  };
}
