import type { FirstHourWaiver } from '../billing/firstHourInterruption';
import type { CloudId } from '../cloud/clouds';

/** How a spot box was taken back: a 2-minute notice, a rebalance recommendation, or no warning at all. */
export type InterruptionKind = 'notice' | 'rebalance' | 'hard';

export const INTERRUPTION_KINDS: readonly InterruptionKind[] = ['notice', 'rebalance', 'hard'];

export interface InterruptionRecord {
  readonly kind: InterruptionKind;
  /** Epoch milliseconds. */
  readonly time: number;
}

export interface EpochRecord {
  /** The training epoch the job reported as finished. */
  readonly epoch: number;
  /** Epoch milliseconds. */
  readonly time: number;
}

/** Why a session ended: the box stopped, was terminated, or vanished from the box list. */
export type SessionEndReason = 'stopped' | 'terminated' | 'gone';

/** One billed run of one instance: from launch (or start) until it stopped, ended or vanished. */
export interface BoxSession {
  /** `${instanceId}@${start}`: a stopped and restarted instance is a new session. */
  readonly id: string;
  /** The box's cloud. A ledger written before Spotbox knew other clouds reads as 'aws': it could only be AWS. */
  readonly cloud: CloudId;
  readonly boxName: string;
  readonly instanceId: string;
  readonly region: string;
  readonly availabilityZone: string;
  readonly instanceType: string;
  readonly lifecycle: 'spot' | 'on-demand';
  /** Epoch milliseconds billing began. */
  readonly start: number;
  /** Epoch milliseconds it ended; absent while the box runs. */
  readonly end?: number;
  readonly endReason?: SessionEndReason;
  /** The last time the box was seen billable: where a session that vanished is closed. */
  readonly lastSeenAt: number;
  /** Billed per second from price history, as of lastSeenAt; absent when no price was known. */
  readonly accruedUsd?: number;
  /** The same seconds at the on-demand price. */
  readonly onDemandEquivalentUsd?: number;
  /** EC2 reclaimed the box in its first hour: `accruedUsd` is 0 and this is what AWS waived. */
  readonly waiver?: FirstHourWaiver;
  readonly interruptions: readonly InterruptionRecord[];
  readonly epochs: readonly EpochRecord[];
}

/** An event for an instance no session has been opened for yet; attached when one opens. */
export interface PendingUsageEvent {
  readonly instanceId: string;
  readonly interruption?: InterruptionRecord;
  readonly epoch?: EpochRecord;
}

/** What the recovery feature reports about a box; the usage ledger implements it. */
export interface UsageEventRecorder {
  /** A spot interruption of the instance (time in epoch ms). The same call twice records once. */
  recordInterruption(instanceId: string, kind: InterruptionKind, time: number): void;
  /** The instance's job finished `epoch` (time in epoch ms). A re-reported epoch keeps the later time. */
  recordEpoch(instanceId: string, epoch: number, time: number): void;
}

export interface LedgerData {
  readonly sessions: readonly BoxSession[];
  readonly pendingEvents: readonly PendingUsageEvent[];
}
