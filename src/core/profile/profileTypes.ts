import type { CloudId } from '../cloud/clouds';
import type { AllocationStrategy } from '../launch/launchTypes';

/** Image aliases Spotbox resolves itself (newest matching Amazon image per region). */
export const IMAGE_ALIASES = ['dlami:pytorch', 'dlami:base'] as const;
export type ImageAlias = (typeof IMAGE_ALIASES)[number];

export const ALLOCATION_STRATEGIES: readonly AllocationStrategy[] = ['price-capacity-optimized', 'lowest-price', 'capacity-optimized'];

/** Saves the workspace to S3 now and then and before a spot shutdown (used by the recovery issue). */
export interface CheckpointSettings {
  readonly bucket: string;
  readonly prefix: string;
  /** Run on the box before the upload (e.g. tell the trainer to save); none when absent. */
  readonly command?: string;
  /**
   * Minutes between periodic checkpoints; only on a shutdown notice when absent. "auto": the
   * estimator's optimal interval (Daly) for the launched pool's interruption rate.
   */
  readonly intervalMinutes?: number | 'auto';
  /** Where the trainer writes checkpoints on the box (default ~/checkpoints). */
  readonly directory?: string;
  /** Sent before each checkpoint to the session's processes that handle it (e.g. SIGUSR1: "save now"); without it the folder is uploaded once quiet. */
  readonly signal?: 'SIGUSR1' | 'SIGUSR2' | 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  /** Sent instead on a spot notice (e.g. SIGTERM: "save and stop", so no step is lost). */
  readonly noticeSignal?: 'SIGUSR1' | 'SIGUSR2' | 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  /** The IAM instance profile that lets the box's agent write to the bucket (no keys on the box). */
  readonly instanceProfile?: string;
}

/** The long-running job restarted on a replacement box (used by the recovery issue). */
export interface SessionSettings {
  /** Run again on a replacement once the newest checkpoint is restored, so it must resume from it by itself. */
  readonly command: string;
  readonly workingDir?: string;
  /** A file where the trainer keeps its current step: how many steps an interruption cost is measured from it. */
  readonly stepFile?: string;
}

/** `.spotbox/profile.json` once parsed: defaults filled in, shapes and ranges checked. */
export interface SpotboxProfile {
  readonly name: string;
  /** Where the box runs; "aws" when the profile does not say. Regions, types, image and bucket are in its words. */
  readonly cloud: CloudId;
  readonly regions: readonly string[];
  /** Either explicit types, or a GPU need (`gpu` + `gpus`) expanded from the catalogs. */
  readonly instanceTypes?: readonly string[];
  readonly gpu?: string;
  readonly gpus?: number;
  /** USD per hour; the launch refuses a spot price above it. */
  readonly maxPrice: number;
  readonly allocationStrategy: AllocationStrategy;
  readonly onDemandFallback: boolean;
  /** On AWS an `ami-` id, or an alias from IMAGE_ALIASES resolved per region; on Google Cloud an image or family path. */
  readonly image: string;
  readonly volumeGb: number;
  readonly sshUser: string;
  readonly workspaceDir: string;
  /** Minutes without SSH sessions and with low CPU/GPU before the box is terminated, after a warning you can cancel; 0 turns it off. */
  readonly idleStopMinutes: number;
  /** A git remote the box clones into workspaceDir instead of receiving an upload of the workspace. */
  readonly cloneFrom?: string;
  readonly checkpoint?: CheckpointSettings;
  readonly session?: SessionSettings;
  /**
   * Who replaces a reclaimed box. "fleet" (the default with a checkpoint and a session): an EC2
   * Fleet of type maintain does, with no editor open, and the box restores itself at boot.
   * "editor": an open VS Code window launches the replacement (nothing happens while none is open).
   */
  readonly replacement?: ReplacementEngine;
  /**
   * Other clouds the session may move to, each in its own words (src/core/crossCloud). Only with a
   * checkpoint and a session: the checkpoint is what moves, the session what resumes there.
   */
  readonly otherClouds?: readonly OtherCloud[];
  readonly moveAcrossClouds?: MoveAcrossClouds;
}

/** Where a session may land on another cloud: its regions, machine types, image and bucket, in that cloud's words. */
export interface OtherCloud {
  readonly cloud: CloudId;
  readonly regions: readonly string[];
  readonly instanceTypes: readonly string[];
  /** The checkpoint bucket there; the lineage's checkpoint is copied into it under the same prefix. */
  readonly bucket: string;
  /** That cloud's default image (cloudRules) when absent. */
  readonly image: string;
  readonly sshUser: string;
  /** USD per hour there; the profile's maxPrice when absent. */
  readonly maxPrice?: number;
}

/** When a session moves to one of its otherClouds. */
export interface MoveAcrossClouds {
  /** At a spot notice, when the profile's own cloud says it has no Spot capacity for the replacement. */
  readonly whenNoCapacity: boolean;
  /**
   * At a spot notice, when the best other cloud's expected cost of the job (live prices, notice
   * length, the checkpoint's egress) is at least this many percent below the replacement's here
   * (src/core/crossCloud/moveDecision.ts). Absent: never for price.
   */
  readonly cheaperByPercent?: number;
}

export const REPLACEMENT_ENGINES = ['fleet', 'editor'] as const;
export type ReplacementEngine = (typeof REPLACEMENT_ENGINES)[number];

/** The engine a launch of this profile uses: the fleet needs a checkpoint to restore and a session to restart. */
export function replacementEngineOf(profile: Pick<SpotboxProfile, 'replacement' | 'checkpoint' | 'session'>): ReplacementEngine {
  return profile.checkpoint && profile.session ? (profile.replacement ?? 'fleet') : 'editor';
}

/** Where a problem is: a JSON path plus a 1-based line/column and the text range it covers. */
export interface ProfilePosition {
  readonly path: ReadonlyArray<string | number>;
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly length: number;
}

export interface ProfileProblem extends ProfilePosition {
  readonly message: string;
}

/** Finds the text position of a JSON path (the nearest existing parent when the path is absent). */
export type ProfileLocator = (path: ReadonlyArray<string | number>) => ProfilePosition;

export interface ProfileParseResult {
  /** Present only when there are no problems. */
  readonly profile?: SpotboxProfile;
  readonly problems: ProfileProblem[];
  /** For validateProfile, so that later problems point into the same text. */
  readonly locate: ProfileLocator;
}

/** Defaults the parser fills in; the JSON schema states the same values. */
export const PROFILE_DEFAULTS = {
  cloud: 'aws' as CloudId,
  allocationStrategy: 'price-capacity-optimized' as AllocationStrategy,
  onDemandFallback: false,
  image: 'dlami:pytorch',
  volumeGb: 200,
  sshUser: 'ubuntu',
  workspaceDir: '~/workspace',
  idleStopMinutes: 60,
} as const;

/** Where the trainer saves when the profile names no folder: the agent's own default (a unit test keeps them equal). */
export const DEFAULT_CHECKPOINT_DIRECTORY = '~/checkpoints';

export const VOLUME_GB_RANGE = { min: 20, max: 16384 } as const;
export const GPUS_RANGE = { min: 1, max: 16 } as const;
/** moveAcrossClouds.cheaperByPercent: below 1 % a move chases noise; above 95 % it would never happen. */
export const CHEAPER_BY_PERCENT_RANGE = { min: 1, max: 95 } as const;
