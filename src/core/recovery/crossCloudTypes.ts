import type { CloudId } from '../cloud/clouds';
import type { NoSpotCapacityError } from '../launch/noSpotCapacity';
import type { BootRestoreOutcome } from './bootRestoreJournal';
import type { LineageRecord } from './recoveryTypes';

/** Where a moved session now runs: the other cloud's VM, as that cloud names it. */
export interface LandedBox {
  readonly cloud: CloudId;
  readonly region: string;
  readonly zone: string;
  /** The VM's name there (on Google Cloud the managed instance group's VM; on Azure the scale set's first instance). */
  readonly instance: string;
  readonly machineType: string;
}

/** What a copy of the checkpoint across clouds did (crossCloud/checkpointCopy.ts). */
export interface CheckpointCopyReport {
  readonly seq: number;
  readonly step?: number;
  readonly objects: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Decimal megabytes (10^6 bytes) per second over the whole copy, manifest included. */
  readonly mbPerSecond: number;
}

/** What a copy of the checkpoint across clouds did and cost. */
export interface CrossCloudCopy extends CheckpointCopyReport {
  /** At the source cloud's list price for internet egress (egressPrices.ts). */
  readonly egressUsd: number;
  /** The cloud the checkpoint was copied to (a reloaded window launches there); absent in records from before it was kept. */
  readonly toCloud?: CloudId;
}

/** Another cloud the move tried first and could not land on, in its own words. */
export interface SkippedCloud {
  readonly cloud: CloudId;
  readonly reason: string;
}

/** One side of a price comparison: the pool, its live Spot price with where it came from and when. */
export interface ComparedPool {
  readonly cloud: CloudId;
  readonly region: string;
  readonly instanceType: string;
  readonly usdPerHour: number;
  readonly source: 'live' | 'catalog';
  /** Epoch ms the price was read. */
  readonly asOf: number;
  /** The pre-flight's expected Spot cost of its job there (interruptions, notice and restarts counted). */
  readonly jobUsd: number;
}

/** Why a session moved for price: both sides' figures as they were at the notice (crossCloud/moveDecision.ts). */
export interface PriceComparison {
  readonly from: ComparedPool;
  readonly to: ComparedPool;
  readonly fromUsdPerHour: number;
  readonly toUsdPerHour: number;
  /** The job the costs are for (the pre-flight's, in hours). */
  readonly jobHours: number;
  /** The checkpoint's size the egress is counted for; undefined when no size was known (egress then 0). */
  readonly checkpointBytes?: number;
  /** Copying the checkpoint out of the source cloud at its egress list price. */
  readonly egressUsd: number;
  /** How far below the source's expected cost the target's is, egress included. */
  readonly percentCheaper: number;
  /** The profile's margin (moveAcrossClouds.cheaperByPercent). */
  readonly cheaperByPercent: number;
}

interface MoveCommon {
  readonly from: { readonly cloud: CloudId; readonly region: string; readonly instanceId: string };
  readonly copy?: CrossCloudCopy;
  readonly to?: LandedBox;
  /** otherClouds entries tried before the one it landed on (a no-capacity move goes down the profile's list). */
  readonly skipped?: readonly SkippedCloud[];
}

/** The session's own cloud said it had no Spot capacity for the replacement. */
export interface NoCapacityMove extends MoveCommon {
  readonly reason: 'no-capacity';
  /** The cloud's own words, one line per pool ("g5.xlarge us-east-1a: InsufficientInstanceCapacity ..."). */
  readonly capacityErrors: readonly string[];
}

/** Another cloud was cheaper by the profile's margin at the notice. */
export interface CheaperMove extends MoveCommon {
  readonly reason: 'cheaper';
  readonly priceComparison: PriceComparison;
}

/** A recovery that moved the session to another cloud, as the timeline records it. */
export type CrossCloudMove = NoCapacityMove | CheaperMove;

/** Whether a session moves for price at a notice, and why (crossCloud/moveDecision.ts decides). */
export type PriceMoveVerdict =
  | { readonly move: true; readonly comparison: PriceComparison; readonly reason: string }
  | { readonly move: false; readonly reason: string; readonly comparison?: PriceComparison };

/** How far a checkpoint copy across clouds has got. */
export interface CopyProgress {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface MoveOptions {
  readonly signal: AbortSignal;
  /** The move so far, persisted by the caller before the next step (a reload continues from it). */
  readonly onMove: (move: CrossCloudMove, milestone: { replacementLaunched?: number; replacementRunning?: number }) => Promise<void>;
  readonly onCopyProgress?: (progress: CopyProgress) => void;
  /** A cloud the move could not land on, before it tries the next. */
  readonly onSkipped?: (skipped: SkippedCloud) => void;
}

export interface MoveResult {
  readonly move: CrossCloudMove;
  readonly boot: BootRestoreOutcome;
}

/** The move as it begins: EC2's reason and where from. */
export function startedMove(record: LineageRecord, interruptedInstanceId: string, capacity: NoSpotCapacityError): NoCapacityMove {
  return { reason: 'no-capacity', capacityErrors: capacity.lines, from: { cloud: 'aws', region: record.region, instanceId: interruptedInstanceId } };
}


/** A move for price as it begins: the comparison that made it, and where from. */
export function cheaperMove(record: LineageRecord, interruptedInstanceId: string, priceComparison: PriceComparison): CheaperMove {
  return { reason: 'cheaper', priceComparison, from: { cloud: 'aws', region: record.region, instanceId: interruptedInstanceId } };
}

/** Why the move happened, in a few words: EC2's capacity errors or the price comparison. */
export function moveCause(move: CrossCloudMove): string {
  return move.reason === 'no-capacity' ? move.capacityErrors.join('; ') : `${move.priceComparison.to.cloud} was ${Math.round(move.priceComparison.percentCheaper)} % cheaper`;
}

/** Whether the lineage's profile moves it when its own cloud has no Spot capacity (moveAcrossClouds.whenNoCapacity, default true). */
export function movesWhenNoCapacity(record: LineageRecord): boolean {
  return record.crossCloud !== undefined && record.crossCloud.profile.moveAcrossClouds?.whenNoCapacity !== false;
}
