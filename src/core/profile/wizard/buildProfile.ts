import { DEFAULT_CHECKPOINT_DIRECTORY, PROFILE_DEFAULTS, type CheckpointSettings, type SessionSettings, type SpotboxProfile } from '../profileTypes';
import { AMI_CHOICE, DEFAULT_SAVE_SIGNAL, TYPES_CHOICE, type SaveSignalChoice, type WizardAnswers } from './wizardTypes';

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
  const resume = resumeBlocks(name, answers);
  return {
    name,
    // The wizard asks AWS's questions (regions, prices, images from AWS's catalogs).
    cloud: 'aws',
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
    ...resume,
  };
}

/** The signals each choice asks the agent to send; none at all for a trainer that saves on its own. */
const SIGNALS_OF: Readonly<Record<SaveSignalChoice, Pick<CheckpointSettings, 'signal' | 'noticeSignal'>>> = {
  SIGTERM: { noticeSignal: 'SIGTERM' },
  SIGUSR1: { signal: 'SIGUSR1' },
  'SIGUSR1+SIGTERM': { signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
  none: {},
};

/**
 * The checkpoint and session blocks. The session is written only with a bucket (it is asked only
 * then), and signals only with a session: the agent signals the session's processes, nobody else.
 */
function resumeBlocks(name: string, answers: WizardAnswers): { checkpoint?: CheckpointSettings; session?: SessionSettings } {
  const bucket = answers.checkpointBucket?.trim();
  if (!bucket) return {};
  const command = answers.sessionCommand?.trim();
  return {
    checkpoint: {
      bucket,
      prefix: `spotbox/${name}/`,
      directory: answers.checkpointDirectory ?? DEFAULT_CHECKPOINT_DIRECTORY,
      // Periodic checkpoints are what a loss without notice resumes from, and when SIGUSR1 is sent.
      intervalMinutes: 'auto',
      ...(command ? SIGNALS_OF[answers.saveSignal ?? DEFAULT_SAVE_SIGNAL] : {}),
    },
    ...(command ? { session: { command } } : {}),
  };
}
