import type { Catalogs } from '../../pricing/catalogTypes';

export type WizardStepId = 'name' | 'regions' | 'capacity' | 'instanceTypes' | 'maxPrice' | 'image' | 'amiId' | 'sshUser' | 'workspaceDir' | 'checkpointBucket' | 'checkpointDirectory' | 'sessionCommand' | 'saveSignal' | 'review';

/** One choice of a pick step; `id` is what answer() takes back. */
export interface WizardItem {
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  /** Multi-pick: ticked when the step opens. */
  readonly picked?: boolean;
  /** Not an answer: the editor opens this documentation and shows the step again. */
  readonly opens?: DocLink;
}

/** A section of a document shipped with the extension, such as a README heading. */
export interface DocLink {
  /** Relative to the extension's root. */
  readonly file: string;
  readonly heading: string;
  /** The heading's anchor, as Markdown renderers make it. */
  readonly anchor: string;
}

export interface Validation {
  /** An error refuses the answer; a warning only informs. */
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

interface StepCommon {
  readonly id: WizardStepId;
  readonly title: string;
  /** 1-based; a step's follow-up (instance types, AMI id) shares its number. */
  readonly step: number;
  readonly totalSteps: number;
  readonly canGoBack: boolean;
}

export interface PickStep extends StepCommon {
  readonly kind: 'pick';
  readonly placeholder: string;
  readonly canPickMany: boolean;
  readonly items: readonly WizardItem[];
  /** Single pick: the item focused when the step opens, so accepting at once takes the default. */
  readonly activeId?: string;
}

export interface InputStep extends StepCommon {
  readonly kind: 'input';
  readonly prompt: string;
  /** Prefilled: the previous answer or a sensible default. */
  readonly value: string;
  readonly placeholder?: string;
  validate(value: string): Validation | undefined;
}

export type WizardStep = PickStep | InputStep;

/** What the wizard starts from; all of it is known before the first step shows. */
export interface WizardContext {
  readonly catalogs: Catalogs;
  /** Regions to offer (the catalog's). */
  readonly knownRegions: readonly string[];
  /** From the workspace folder's name. */
  readonly defaultName: string;
  /** Ticked at first: the spotbox.regions setting. */
  readonly defaultRegions: readonly string[];
}

/** The user's answers so far; kept when going back, so a step reopens with what was chosen. */
export interface WizardAnswers {
  readonly name?: string;
  readonly regions?: readonly string[];
  /** A GPU need key such as "1x A10G", or TYPES_CHOICE for explicit instance types. */
  readonly capacity?: string;
  readonly instanceTypes?: readonly string[];
  readonly maxPrice?: number;
  /** The regions and types (poolKey) maxPrice was chosen for: a new choice of GPUs suggests a new price. */
  readonly maxPriceFor?: string;
  /** An image alias, or AMI_CHOICE for an explicit AMI id. */
  readonly image?: string;
  readonly amiId?: string;
  readonly sshUser?: string;
  readonly workspaceDir?: string;
  /** Empty: no checkpoints. */
  readonly checkpointBucket?: string;
  /** Where the trainer saves on the box; asked only with a bucket. */
  readonly checkpointDirectory?: string;
  /** The session's command, which must resume by itself; empty: no session. Asked only with a bucket. */
  readonly sessionCommand?: string;
  /** How the trainer saves; asked only with a session command. */
  readonly saveSignal?: SaveSignalChoice;
}

/**
 * What the trainer does on a signal, as the wizard offers it: SIGTERM "save at the end of this
 * step and exit" on a notice, SIGUSR1 "save now and go on" before each checkpoint, both, or
 * nothing (it saves on its own every N steps and is never signalled).
 */
export const SAVE_SIGNAL_CHOICES = ['SIGTERM', 'SIGUSR1', 'SIGUSR1+SIGTERM', 'none'] as const;
export type SaveSignalChoice = (typeof SAVE_SIGNAL_CHOICES)[number];
/** The ordinary way a PyTorch script stops: a flag set on SIGTERM, a save at the end of the step. */
export const DEFAULT_SAVE_SIGNAL: SaveSignalChoice = 'SIGTERM';

/** The cheapest spot price found for the wizard's candidate pools, from wherever the editor read it. */
export interface SpotQuote {
  readonly usdPerHour: number;
  readonly instanceType: string;
  readonly region: string;
  readonly source: 'live' | 'catalog';
}

/** What to price before the max-price step: a GPU need or explicit types, in the chosen regions. */
export interface PriceQuery {
  readonly key: string;
  readonly regions: readonly string[];
  readonly instanceTypes: readonly string[];
  /** Set for a GPU need, e.g. "1x A10G". */
  readonly gpu?: string;
}

export const TYPES_CHOICE = 'types';
export const AMI_CHOICE = 'ami';
export const WRITE_CHOICE = 'write';
