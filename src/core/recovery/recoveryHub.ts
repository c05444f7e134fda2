import type { Box } from '../boxes/box';
import type { UsageEventRecorder } from '../dashboard/usageTypes';
import type { Logger } from '../logging/logger';
import type { CheckpointFitBoard } from '../throughput/checkpointFitBoard';
import type { NoticeFit } from '../throughput/noticeFit';
import { recordCheckpointUpload, type CheckpointUploadsStore } from '../throughput/recordCheckpointUpload';
import type { Clock } from '../time/clock';
import { numberField, type AgentEvent } from './agentEvents';
import { routeAgentEvent } from './agentEventRouter';
import { bootRestoreOutcome } from './bootRestoreJournal';
import type { BoxNotice, NoticeBoard } from './noticeBoard';
import type { NoticeChecks } from './noticeConfirmation';
import { type RecoveryCoordinator } from './recoveryCoordinator';
import { isActive } from './recoveryTypes';
import type { LineageRecord } from './recoveryTypes';
import type { SelfRestoreFollower } from './selfRestoreFollower';

export interface RecoveryHubDeps {
  readonly coordinator: Pick<RecoveryCoordinator, 'recover' | 'noteStep'>;
  readonly lineages: CheckpointUploadsStore & { findByInstance(instanceId: string): Promise<LineageRecord | undefined>; get(lineage: string): Promise<LineageRecord | undefined> };
  readonly notices: NoticeBoard;
  readonly checkpointFits: CheckpointFitBoard;
  /** The cost dashboard's ledger: interruptions and epochs per box. */
  readonly usage: UsageEventRecorder;
  /** One check per notice, shared with the coordinator. */
  readonly noticeChecks: Pick<NoticeChecks, 'confirm'>;
  /**
   * Boxes the cloud restores by itself (Google Cloud's group, Azure's scale set): their notices are
   * confirmed with that cloud and their recoveries only followed. Absent: such notices are refused.
   */
  readonly selfRestore?: Pick<SelfRestoreFollower, 'confirm' | 'follow' | 'recall'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Starts following the journals of these boxes and stops following the others (InterruptionWatcher.sync). */
  readonly followJournals: (boxes: readonly Box[]) => void;
  /** The editor's surfaces: a notice to show, a forged notice to mention (once per box), a checkpoint too big for the notice. */
  readonly announce: (box: Box, notice: BoxNotice) => void;
  readonly noticeIgnored: (box: Box, detail: string) => void;
  readonly checkpointTooBig: (box: Box, fit: NoticeFit) => void;
  /** Every journal event of every box, for features other than recovery (idle stop). */
  readonly onAgentEvent?: (box: Box, event: AgentEvent) => void;
}

/**
 * What the editor does with the boxes' agent journals and the box list, without the editor: the
 * last step each box reached, usage for the ledger, notices routed to the coordinator, and a box
 * that vanishes without a notice (hard termination, lost agent) recovered from its newest checkpoint.
 */
export class RecoveryHub {
  private readonly lastStep = new Map<string, number>();
  // Said once per box: a journal that keeps writing forged notices must not flood the editor.
  private readonly ignoredNoticeNoted = new Set<string>();
  private running = new Map<string, Box>();
  /** Boxes already checked for being a fleet's replacement nobody followed. */
  private readonly adopted = new Set<string>();
  /** The restore-at-boot events of self-restoring boxes (Google Cloud, Azure) read so far, per box, until the final one. */
  private readonly bootRestores = new Map<string, AgentEvent[]>();

  constructor(private readonly deps: RecoveryHubDeps) {}

  /** One event of a box's journal (InterruptionWatcher's callback). */
  onAgentEvent(box: Box, event: AgentEvent): void {
    const { deps } = this;
    const step = numberField(event, 'step');
    if (step !== undefined && (event.type === 'progress' || event.type === 'checkpoint-committed')) {
      this.lastStep.set(box.instanceId, step);
    }
    const epoch = numberField(event, 'epoch');
    if (event.type === 'progress' && epoch !== undefined) {
      deps.usage.recordEpoch(box.instanceId, epoch, event.time);
    } else if (event.type === 'rebalance') {
      deps.usage.recordInterruption(box.instanceId, event.type, event.time);
    }
    if (event.type === 'boot-restore' && box.cloud !== 'aws') {
      this.selfRestoreEvent(box, event);
    }
    routeAgentEvent(
      box,
      event,
      {
        notices: deps.notices,
        confirmNotice: (noticed, notice) =>
          noticed.cloud === 'aws' || !deps.selfRestore ? deps.noticeChecks.confirm(noticed.region, noticed.instanceId) : deps.selfRestore.confirm(noticed, notice),
        noticeIgnored: (noticed, verdict) => this.noteIgnoredNotice(noticed, verdict.detail),
        // Only notices EC2 confirmed get here: a forged line does not count as an interruption in the ledger.
        recover: (facts) => {
          deps.usage.recordInterruption(box.instanceId, 'notice', facts.noticeTime ?? event.time);
          const withStep = { ...facts, ...this.stepReached(box.instanceId) };
          // The cloud brings these boxes back by itself: the window launches nothing, it follows.
          return box.cloud !== 'aws' && deps.selfRestore ? deps.selfRestore.follow(box, withStep) : deps.coordinator.recover('notice', withStep);
        },
        noteStep: (instanceId, value) => deps.coordinator.noteStep(instanceId, value),
        announce: deps.announce,
        // Measured upload speed and checkpoint size; a checkpoint too big for the notice is said once per box, before a notice comes.
        checkpointUpload: (committedBox, committed) =>
          void recordCheckpointUpload(deps.lineages, deps.checkpointFits, committed)
            .then(({ fit, warnNow }) => (warnNow && fit ? deps.checkpointTooBig(committedBox, fit) : undefined))
            .catch((error: unknown) => deps.logger.warn(`recording the checkpoint upload of ${committedBox.name} failed: ${String(error)}`)),
        logger: deps.logger,
      },
      deps.clock.now(),
    );
    deps.onAgentEvent?.(box, event);
  }

  /**
   * A self-restoring box's journal, read from its start when the window first follows it: once its
   * restore at boot has ended, a restore no window followed (the laptop was closed) is recorded
   * from it. A box a move to another cloud landed is not: that move is its AWS lineage's timeline.
   */
  private selfRestoreEvent(box: Box, event: AgentEvent): void {
    const selfRestore = this.deps.selfRestore;
    if (!selfRestore || !box.lineage) return;
    const events = [...(this.bootRestores.get(box.instanceId) ?? []), event];
    const outcome = bootRestoreOutcome(events);
    if (!outcome) {
      this.bootRestores.set(box.instanceId, events);
      return;
    }
    this.bootRestores.delete(box.instanceId);
    const bootStartedAt = events.find((seen) => seen.fields.phase === 'started')?.time;
    void (async () => {
      const moved = await this.deps.lineages.get(box.lineage!);
      if (moved?.movedTo) return;
      const record = await selfRestore.recall(box, outcome, bootStartedAt);
      if (record) this.deps.logger.info(`${box.name}: ${box.cloud} replaced the box and it restored itself before this window looked; its journal says how (${outcome.phase})`);
    })().catch((error: unknown) => this.deps.logger.warn(`reading how ${box.name} restored itself failed: ${String(error)}`));
  }

  /** The box list changed (BoxStore.onDidChange). */
  onBoxes(boxes: readonly Box[]): void {
    this.deps.followJournals(boxes);
    const now = new Map(boxes.map((box) => [box.instanceId, box]));
    for (const [instanceId, before] of this.running) {
      const after = now.get(instanceId);
      if (!after || after.state === 'stopping' || after.state === 'terminated') {
        void this.lostBox(before).catch((error: unknown) => this.deps.logger.error(`recovering the lost box ${before.name} failed: ${String(error)}`));
      }
    }
    this.running = new Map([...now].filter(([, box]) => box.state === 'running'));
    for (const box of this.running.values()) {
      if (box.lineage && !this.adopted.has(box.instanceId)) {
        this.adopted.add(box.instanceId);
        void this.adoptFleetReplacement(box, now).catch((error: unknown) => this.deps.logger.error(`following the fleet's replacement ${box.instanceId} of ${box.name} failed: ${String(error)}`));
      }
    }
    const present = new Set(boxes.filter((box) => box.state !== 'terminated').map((box) => box.instanceId));
    this.deps.notices.retain(present);
    this.deps.checkpointFits.retain(present);
  }

  /**
   * A fleet lineage's box this window has never seen: the fleet replaced the lineage's box while
   * no window was open (or before this one looked). The recovery then follows what the box did by
   * itself (its restore at boot) and records the timeline; it launches nothing.
   */
  private async adoptFleetReplacement(box: Box, listed: ReadonlyMap<string, Box>): Promise<void> {
    const record = await this.deps.lineages.get(box.lineage!);
    if (!record?.fleetId || record.ended || isActive(record.recovery) || record.instanceIds.includes(box.instanceId)) {
      return;
    }
    const current = listed.get(record.currentInstanceId);
    if (current && (current.state === 'running' || current.state === 'pending' || current.state === 'interrupting')) {
      // The lineage's box still runs: this one is not its replacement (the recovery's release ends such a box).
      this.deps.logger.warn(`${box.name}: ${box.instanceId} runs beside the lineage's box ${record.currentInstanceId}; not taking it for a replacement`);
      return;
    }
    this.deps.logger.info(`${box.name}: the fleet replaced ${record.currentInstanceId} with ${box.instanceId} while no window watched; reading what happened`);
    const previousType = record.recoveries?.at(-1)?.replacementPool?.instanceType ?? record.launch.pools[0]?.instanceType ?? '';
    await this.deps.coordinator.recover('lost', { instanceId: record.currentInstanceId, instanceType: previousType });
  }

  private async lostBox(box: Box): Promise<void> {
    const record = await this.deps.lineages.findByInstance(box.instanceId);
    const isCurrent = record?.currentInstanceId === box.instanceId && !isActive(record.recovery);
    const isReplacementInFlight = isActive(record?.recovery) && record?.recovery?.replacementInstanceId === box.instanceId;
    if (!record || record.ended || !(isCurrent || isReplacementInFlight)) {
      return;
    }
    this.deps.logger.warn(`${box.name} (${box.instanceId}) is gone without a notice; recovering from its newest checkpoint`);
    this.deps.usage.recordInterruption(box.instanceId, 'hard', this.deps.clock.now());
    await this.deps.coordinator.recover('lost', { instanceId: box.instanceId, instanceType: box.instanceType, availabilityZone: box.availabilityZone, ...this.stepReached(box.instanceId) });
  }

  private noteIgnoredNotice(box: Box, detail: string): void {
    if (!this.ignoredNoticeNoted.has(box.instanceId)) {
      this.ignoredNoticeNoted.add(box.instanceId);
      this.deps.noticeIgnored(box, detail);
    }
  }

  private stepReached(instanceId: string): { stepReached?: number } {
    const step = this.lastStep.get(instanceId);
    return step !== undefined ? { stepReached: step } : {};
  }
}
