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
}

/** A recovery that moved the session to another cloud, as the timeline records it. */
export interface CrossCloudMove {
  /** Why: the session's own cloud said it had no Spot capacity for the replacement. */
  readonly reason: 'no-capacity';
  /** The cloud's own words, one line per pool ("g5.xlarge us-east-1a: InsufficientInstanceCapacity ..."). */
  readonly capacityErrors: readonly string[];
  readonly from: { readonly cloud: CloudId; readonly region: string; readonly instanceId: string };
  readonly copy?: CrossCloudCopy;
  readonly to?: LandedBox;
}

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
}

export interface MoveResult {
  readonly move: CrossCloudMove;
  readonly boot: BootRestoreOutcome;
}

/** The move as it begins: EC2's reason and where from. */
export function startedMove(record: LineageRecord, interruptedInstanceId: string, capacity: NoSpotCapacityError): CrossCloudMove {
  return { reason: 'no-capacity', capacityErrors: capacity.lines, from: { cloud: 'aws', region: record.region, instanceId: interruptedInstanceId } };
}

