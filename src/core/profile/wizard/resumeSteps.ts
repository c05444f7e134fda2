import { DEFAULT_CHECKPOINT_DIRECTORY, PROFILE_DEFAULTS } from '../profileTypes';
import { profileFieldProblem } from './fieldCheck';
import { asError, error, text, type StepDefinition } from './stepDefinition';
import { DEFAULT_SAVE_SIGNAL, SAVE_SIGNAL_CHOICES, type DocLink, type SaveSignalChoice, type Validation, type WizardItem } from './wizardTypes';

/** The README's recipes for a trainer that saves on a signal and resumes from its newest save. */
export const RESUMABLE_TRAINING_DOC: DocLink = { file: 'README.md', heading: 'Make your training loop resumable', anchor: 'make-your-training-loop-resumable' };
export const DOCS_CHOICE = 'docs';
const COMMAND_EXAMPLE = 'python3 train.py --resume';

// Worded after the agent's delivery rules: a signal reaches only the session's processes that
// handle it (launchers such as torchrun are passed through to their workers), and a
// periodic checkpoint without a signal uploads the folder once the trainer has stopped writing.
const SAVE_SIGNAL_ITEMS: Readonly<Record<SaveSignalChoice, Omit<WizardItem, 'id'>>> = {
  SIGTERM: {
    label: 'It saves on SIGTERM, then exits',
    description: '"noticeSignal": "SIGTERM"',
    detail: 'On a spot notice Spotbox sends SIGTERM: save at the end of this step and exit, so no step is lost. Under torchrun, accelerate or deepspeed each worker gets it directly.',
  },
  SIGUSR1: {
    label: 'It saves on SIGUSR1 and goes on training',
    description: '"signal": "SIGUSR1"',
    detail: 'Spotbox sends SIGUSR1 before each periodic checkpoint and on a spot notice: save now and keep training. Steps after that save are lost on a notice.',
  },
  'SIGUSR1+SIGTERM': {
    label: 'Both: SIGUSR1 saves and goes on, SIGTERM saves and exits',
    description: '"signal": "SIGUSR1", "noticeSignal": "SIGTERM"',
    detail: 'SIGUSR1 before each periodic checkpoint; SIGTERM on a spot notice, to save at the end of the step and exit.',
  },
  none: {
    label: 'It saves on its own every N steps (no signal)',
    description: 'no signal',
    detail: 'Spotbox signals only processes that handle the signal, so a script that handles none is never stopped by a checkpoint: its folder is uploaded when it is quiet. A notice loses the steps since its last save.',
  },
};

function commandWarning(value: string): Validation | undefined {
  if (value.trim() !== '') return asError(profileFieldProblem('session.command', value.trim()));
  return { severity: 'warning', message: 'Empty: checkpoints will be saved, but nothing will be restarted on a replacement box. A "session" block can be added to the profile later.' };
}

function directoryProblem(value: string): Validation | undefined {
  return asError(profileFieldProblem('checkpoint.directory', value.trim()));
}

/**
 * What makes a resume restart something, asked once a checkpoint bucket is given: the folder the
 * trainer saves into, the command the box runs again on a replacement, and how the trainer saves.
 */
export const RESUME_STEPS = {
  checkpointDirectory: {
    number: 9,
    view: ({ answers }) => ({
      kind: 'input',
      title: 'New launch profile: checkpoint folder on the box',
      prompt: 'Where your training script saves its checkpoints: Spotbox uploads this folder to the bucket, and restores the newest checkpoint into it on a replacement box. An absolute path or one under ~.',
      value: answers.checkpointDirectory ?? DEFAULT_CHECKPOINT_DIRECTORY,
      placeholder: DEFAULT_CHECKPOINT_DIRECTORY,
      validate: directoryProblem,
    }),
    accept: (value, { answers }) => directoryProblem(text(value)) ?? { answers: { ...answers, checkpointDirectory: text(value) } },
    next: () => 'sessionCommand',
  },

  sessionCommand: {
    number: 10,
    view: ({ answers }) => ({
      kind: 'input',
      title: 'New launch profile: training command, in its resume form',
      prompt:
        `Runs in tmux in ${answers.workspaceDir ?? PROFILE_DEFAULTS.workspaceDir}. After an interruption Spotbox restores the newest checkpoint into ` +
        `${answers.checkpointDirectory ?? DEFAULT_CHECKPOINT_DIRECTORY} on a replacement box and runs this same command again, so it must resume from ` +
        'the newest checkpoint in that folder by itself (and start fresh when there is none).',
      value: answers.sessionCommand ?? '',
      placeholder: COMMAND_EXAMPLE,
      validate: commandWarning,
    }),
    accept: (value, { answers }) => {
      const validation = commandWarning(text(value));
      return validation?.severity === 'error' ? validation : { answers: { ...answers, sessionCommand: text(value) } };
    },
    next: (answers) => (answers.sessionCommand ? 'saveSignal' : 'review'),
  },

  saveSignal: {
    number: 11,
    view: ({ answers }) => ({
      kind: 'pick',
      title: 'New launch profile: how your training script saves',
      placeholder: `What your script does on a signal — recipes: README, "${RESUMABLE_TRAINING_DOC.heading}"`,
      canPickMany: false,
      activeId: answers.saveSignal ?? DEFAULT_SAVE_SIGNAL,
      items: [
        ...SAVE_SIGNAL_CHOICES.map((choice) => ({ id: choice, ...SAVE_SIGNAL_ITEMS[choice] })),
        { id: DOCS_CHOICE, label: '$(book) How to make a training loop resumable…', description: `README: ${RESUMABLE_TRAINING_DOC.heading}`, opens: RESUMABLE_TRAINING_DOC },
      ],
    }),
    accept: (value, { answers }) => {
      const choice = text(value);
      if (choice === DOCS_CHOICE) return error(`Pick what your script does; "${RESUMABLE_TRAINING_DOC.heading}" in the README has a recipe for each.`);
      const saveSignal = SAVE_SIGNAL_CHOICES.find((candidate) => candidate === choice);
      return saveSignal ? { answers: { ...answers, saveSignal } } : error(`Unknown choice "${choice}".`);
    },
    next: () => 'review',
  },
} satisfies Record<'checkpointDirectory' | 'sessionCommand' | 'saveSignal', StepDefinition>;
