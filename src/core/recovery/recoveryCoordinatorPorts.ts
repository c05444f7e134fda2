/**
 * What a recovery needs from the clouds and the box, and what it reports back: the seam between the
 * RecoveryCoordinator (which decides and records) and the editor's, the tests' and the benches'
 * wiring (cloudRecoveryPorts.ts for the real clouds).
 */
import type { Logger } from '../logging/logger';
import type { LaunchedBox, LaunchRequest } from '../launch/launchTypes';
import type { CrossCloudMove, MoveOptions, MoveResult, PriceMoveVerdict } from './crossCloudTypes';
import type { NoticeVerdict } from './noticeConfirmation';
import type { CheckpointRef, LineageRecord, ReleaseOldOptions, RecoveryRun } from './recoveryTypes';

/** The cloud and box operations a recovery needs; the editor wires real ones, tests may fake some. */
export interface RecoveryPorts {
  /**
   * Whether EC2 stands behind a spot notice read from the box's journal (noticeConfirmation.ts):
   * any process on the box can write that file, so nothing is launched or ended on its word alone.
   */
  confirmNotice(region: string, instanceId: string): Promise<NoticeVerdict>;
  /** Marks the interrupted instance as being recovered by `runId`; false when another window won. */
  claim(record: LineageRecord, runId: string): Promise<boolean>;
  zones(region: string): Promise<string[]>;
  /**
   * Brings up the replacement: a launch of its own (an editor lineage), or the lineage's fleet's
   * next box (a fleet lineage: raised at a notice, its own replacement after a loss).
   */
  launchReplacement(request: LaunchRequest, signal: AbortSignal, context: { readonly record: LineageRecord; readonly run: RecoveryRun }): Promise<ReplacementBox>;
  waitUntilRunning(region: string, instanceId: string, signal: AbortSignal): Promise<void>;
  /** The checkpoint the agent commits on the notice; undefined when the box went without one. */
  emergencyCheckpoint(record: LineageRecord, run: RecoveryRun, signal: AbortSignal): Promise<CheckpointRef | undefined>;
  newestCheckpoint(record: LineageRecord): Promise<CheckpointRef | undefined>;
  /** Restores on the box, or (a fleet lineage) waits for the box to have restored itself; says when. */
  restore(record: LineageRecord, instanceId: string, checkpoint: CheckpointRef | undefined, signal: AbortSignal): Promise<RestoreReport | void>;
  /** Starts the session on the box unless it already runs; returns the step it resumed from when known. */
  resume(record: LineageRecord, instanceId: string, signal: AbortSignal): Promise<ResumeReport>;
  /**
   * Ends the old instance if it still runs and removes what its launch created. Best effort. Without
   * options it terminates at once; see ReleaseOldOptions for a box EC2 is about to reclaim.
   */
  releaseOld(record: LineageRecord, instanceId: string, options?: ReleaseOldOptions): Promise<void>;
  /**
   * Moves the lineage to one of its profile's other clouds (src/core/crossCloud/moveLineage.ts):
   * copy, launch there, wait for the resume, end the lineage here. Absent where none is wired.
   */
  moveToOtherCloud?(record: LineageRecord, move: CrossCloudMove, checkpoint: CheckpointRef, options: MoveOptions): Promise<MoveResult>;
  /**
   * Prices the replacement here against the profile's other clouds at a notice, for a lineage whose
   * profile sets moveAcrossClouds.cheaperByPercent (src/core/crossCloud/priceCheck.ts).
   */
  checkPriceMove?(record: LineageRecord): Promise<PriceMoveVerdict>;
  /**
   * Holds (true) or frees (false) the own cloud's replacement of the box (a fleet at 0, then 1):
   * while a move for price runs there is capacity here, so the fleet would start a second copy.
   */
  holdReplacement?(record: LineageRecord, held: boolean): Promise<void>;
}

/** What a replacement box is, as the run records it. */
export type ReplacementBox = Pick<LaunchedBox, 'instanceId' | 'instanceType' | 'availabilityZone' | 'lifecycle'> & {
  /** When EC2 launched it, if earlier than now (a fleet's replacement found after the fact). */
  readonly launchedAt?: number;
};

/** A restore the box did by itself (a fleet lineage): its checkpoint and when, from the box's journal. */
export interface RestoreReport {
  readonly at?: number;
  readonly seq?: string;
  readonly step?: number;
}

export interface ResumeReport {
  readonly resumedStep?: number;
  /** When the session started, if earlier than now (the box resumed itself before the window saw it). */
  readonly at?: number;
  /** The notice the box's predecessor left in the bucket (handoff.json), if the box waited for it. */
  readonly notice?: { readonly time?: number; readonly actionTime?: number; readonly instanceId?: string; readonly step?: number };
}

export interface RecoveryOptions {
  readonly windowId: string;
  readonly now?: () => number;
  /** A run whose owner has not renewed its lease for this long is taken over. */
  readonly leaseMs?: number;
  /** How long the price check of a move for price may take before the replacement goes ahead here (default 20 s). */
  readonly priceCheckMs?: number;
  readonly heartbeatMs?: number;
  readonly logger: Logger;
  readonly onChange?: (record: LineageRecord) => void;
}

export interface InterruptionFacts {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly availabilityZone?: string;
  readonly noticeTime?: number;
  readonly actionTime?: number;
  /** The trainer's last reported step, if the agent journal carried one. */
  readonly stepReached?: number;
}
