import type { SpotboxProfile } from './profileTypes';

export interface ResumeNote {
  /** Short enough to lead a QuickPick line. */
  readonly summary: string;
  readonly advice: string;
}

/**
 * What the pre-flight and the wizard's review say of a profile that saves checkpoints but names
 * no session: nothing would use them on a replacement box, which is easy to miss until a notice.
 */
export function missingSessionNote(profile: SpotboxProfile): ResumeNote | undefined {
  if (!profile.checkpoint || profile.session) return undefined;
  return {
    summary: 'No "session": checkpoints will be saved, but nothing will be restarted on a replacement box.',
    advice: 'Add a "session" block with the command that resumes your training from its newest checkpoint, e.g. "session": { "command": "python3 train.py --resume" }.',
  };
}
