import type { CrossCloudMove, LandedBox } from './crossCloudTypes';
import type { LaunchRequest } from '../launch/launchTypes';
import type { SpotboxProfile } from '../profile/profileTypes';
import type { CheckpointUploads } from '../throughput/checkpointUploads';

/** What one box lineage restarts on a replacement: the training session in tmux. */
export interface SessionSpec {
  readonly command: string;
  /** On the box; `~/...` allowed. Defaults to the workspace folder. */
  readonly workingDir?: string;
}

/**
 * A box and every replacement that followed it share a lineage: one name, one checkpoint prefix in
 * S3 (`<prefix>/<lineage>/...`), one SSH alias. Persisted so a reload or a second window knows how
 * to bring it back.
 */
export interface LineageRecord {
  readonly lineage: string;
  readonly boxName: string;
  readonly region: string;
  /** The launch to replay for a replacement (pools are recomputed to leave out the interrupted one). */
  readonly launch: LaunchRequest;
  /** The box's folders: where `restore` puts the checkpoint files and the workspace. */
  readonly checkpointDir: string;
  readonly workspaceDir: string;
  /** Where the agent writes checkpoints; none means nothing to restore (the session still restarts). */
  readonly checkpoint?: { readonly bucket: string; readonly prefix: string };
  /**
   * The AWS account of the first launch (EC2's reservation OwnerId): checkpoint requests expect the
   * bucket to be this account's. Absent in records written before it was recorded: no header then.
   */
  readonly accountId?: string;
  readonly session?: SessionSpec;
  readonly currentInstanceId: string;
  readonly instanceIds: readonly string[];
  /**
   * The EC2 Fleet (type maintain, target 1) that replaces the lineage's box with no editor open.
   * Absent: a lineage the editor replaces itself (launched before fleets, or without a session).
   */
  readonly fleetId?: string;
  /** Set when the user terminated the box on purpose: nothing to recover. */
  readonly ended?: boolean;
  /** The profile's idleStopMinutes at launch (0 or absent: no idle stop); replacements keep it. */
  readonly idleStopMinutes?: number;
  /**
   * Start (epoch ms, box clock) of the idle period the user chose Keep Running for, so that every
   * window lets it run until the box is busy again (src/core/idle).
   */
  readonly idleKeptRunningFrom?: number;
  /** Measured checkpoint sizes and upload throughput of the lineage's boxes (src/core/throughput). */
  readonly checkpointUploads?: CheckpointUploads;
  readonly recovery?: RecoveryRun;
  readonly recoveries?: readonly RecoveryRun[];
  /**
   * The profile the lineage was launched from, kept when it names other clouds the session may move
   * to (otherClouds with moveAcrossClouds.whenNoCapacity or cheaperByPercent): the launch there is made from it.
   */
  readonly crossCloud?: { readonly profile: SpotboxProfile };
  /** The session moved to another cloud (the lineage then ended here): where it runs now. */
  readonly movedTo?: LandedBox;
}

/** What a recovery timeline shows: a lineage's name and its newest recovery. */
export type TimelineRecord = Pick<LineageRecord, 'lineage' | 'boxName' | 'recovery'>;

export type RecoveryTrigger = 'notice' | 'lost' | 'rehearsal';

export type RecoveryPhase = 'noticed' | 'launching' | 'moving' | 'replacement-running' | 'restoring' | 'resumed' | 'failed';

/** Epoch milliseconds of each milestone, shown as the recovery timeline. */
export interface RecoveryTimeline {
  readonly notice?: number;
  /** When the cloud will reclaim the box (the notice's action time). */
  readonly actionTime?: number;
  readonly checkpointCommitted?: number;
  readonly replacementLaunched?: number;
  readonly replacementRunning?: number;
  readonly restored?: number;
  readonly resumed?: number;
}

export interface RecoveryRun {
  readonly id: string;
  readonly trigger: RecoveryTrigger;
  /** The window that owns this run; others only watch while its lease is fresh. */
  readonly owner: string;
  /** Renewed by the owner while it works; a reloaded or closed window's run is taken over once stale. */
  readonly heartbeatAt: number;
  readonly interruptedInstanceId: string;
  readonly interruptedPool: { readonly instanceType: string; readonly availabilityZone?: string };
  readonly phase: RecoveryPhase;
  readonly timeline: RecoveryTimeline;
  readonly replacementInstanceId?: string;
  /** The replacement itself got a notice (or was lost) before this run finished: a new run follows it. */
  readonly replacementInterrupted?: { readonly trigger: 'notice' | 'lost'; readonly noticeTime?: number; readonly actionTime?: number };
  readonly replacementPool?: { readonly instanceType: string; readonly availabilityZone?: string; readonly lifecycle: 'spot' | 'on-demand' };
  readonly checkpointSeq?: string;
  readonly checkpointStep?: number;
  /** The last step the trainer reported before the box went (from the agent journal). */
  readonly stepReached?: number;
  readonly resumedStep?: number;
  readonly error?: string;
  /**
   * The box was replaced and resumed by itself before any window looked (headless recovery): by the
   * fleet on AWS, by the cloud (owner 'cloud': Google Cloud's group, Azure's scale set) elsewhere.
   */
  readonly unwatched?: boolean;
  /** The replacement came up on another cloud (its own had no Spot capacity, or another was cheaper): from where, to where, why, the copy. */
  readonly move?: CrossCloudMove;
  /** A move for price that failed before anything ran on the other cloud: the replacement went ahead here. */
  readonly priceMoveError?: string;
}

/** How the recovery hands the interrupted box back, once the replacement carries the lineage. */
export interface ReleaseOldOptions {
  /**
   * When EC2 reclaims the box (the notice's action time). A box that is then still in its first
   * hour is left for EC2, which charges nothing for it, and released after EC2 has terminated it.
   * Absent: terminated at once.
   */
  readonly reclaimAt?: number;
  /** Ends a wait for EC2 (the window closed); the orphan sweep then removes what is left. */
  readonly signal?: AbortSignal;
}

/** The newest complete checkpoint as the coordinator needs it. */
export interface CheckpointRef {
  readonly seq: string;
  readonly step?: number;
  readonly createdAt: number;
}

export function stepsLost(run: Pick<RecoveryRun, 'stepReached' | 'checkpointStep' | 'resumedStep'>): number | undefined {
  const resumedFrom = run.resumedStep ?? run.checkpointStep;
  if (run.stepReached === undefined || resumedFrom === undefined) {
    return undefined;
  }
  return Math.max(0, run.stepReached - resumedFrom);
}

/** The phases of a run still under way (a reload or another window continues it). */
const ACTIVE: readonly RecoveryPhase[] = ['noticed', 'launching', 'moving', 'replacement-running', 'restoring'];

export function isActive(run: RecoveryRun | undefined): run is RecoveryRun {
  return run !== undefined && ACTIVE.includes(run.phase);
}
