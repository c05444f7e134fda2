import { randomUUID } from 'node:crypto';
import type { Box } from '../boxes/box';
import type { Logger } from '../logging/logger';
import type { BootRestoreOutcome } from './bootRestoreJournal';
import type { NoticeCheckpoint } from './noticeCheckpointReader';
import type { NoticeVerdict } from './noticeConfirmation';
import type { InterruptionFacts } from './recoveryCoordinatorPorts';
import type { LineageRecord, RecoveryRun, RecoveryTimeline } from './recoveryTypes';

/** Notice times this close apart are one notice (the journal's line and the handoff's are written moments apart). */
const SAME_NOTICE_MS = 5_000;

/** How long a run waits for the notice manifest once the new box has restored itself. */
export const CHECKPOINT_AFTER_RESTORE_MS = 10_000;

/** A self-restoring lineage as the editor shows it: its box's name and its recoveries. */
export type SelfRestoreRecord = Pick<LineageRecord, 'lineage' | 'boxName' | 'recovery' | 'recoveries'>;

/** What the cloud says of a box that restores itself (Google Cloud's group of one, Azure's scale set of one). */
export interface SelfRestorePorts {
  /** The cloud's word on a notice the box's journal reported (never throws: a refusal instead). */
  confirm(box: Box, notice: { readonly noticeTime: number; readonly actionTime?: number }): Promise<NoticeVerdict>;
  /** The notice checkpoint's manifest in the lineage's bucket, created at or after `since`. */
  noticeCheckpoint(box: Box, since: number, signal: AbortSignal): Promise<NoticeCheckpoint>;
  /** The group's (the set's) new VM, running: a new machine, not the noticed one. */
  replacement(box: Box, noticeTime: number, signal: AbortSignal): Promise<Box>;
  /** The new VM's own restore at boot, from its agent's journal. */
  bootRestore(replacement: Box, signal: AbortSignal): Promise<BootRestoreOutcome>;
}

export interface SelfRestoreOptions {
  readonly logger: Logger;
  readonly now?: () => number;
  /** Every change of a record: the editor's progress notification and timeline. */
  readonly onChange?: (record: SelfRestoreRecord, box: Box) => void;
}

/**
 * Follows the recovery a cloud makes by itself: Google Cloud's managed instance group recreates a
 * preempted VM, Azure's Try & Restore makes a new instance of an evicted one, and the new VM's agent
 * restores the notice checkpoint at boot. The window only watches and records the timeline (notice,
 * checkpoint committed from the bucket's manifest, replacement running from the cloud, restored and
 * resumed from the new box's journal); it launches and ends nothing.
 */
export class SelfRestoreFollower {
  private readonly records = new Map<string, SelfRestoreRecord>();
  private readonly running = new Map<string, Promise<SelfRestoreRecord | undefined>>();
  private readonly verdicts = new Map<string, Promise<NoticeVerdict>>();
  private readonly controller = new AbortController();
  private readonly now: () => number;

  constructor(
    private readonly ports: (box: Box) => SelfRestorePorts | undefined,
    private readonly options: SelfRestoreOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The lineage's record, by the box's lineage tag or any box its runs named. */
  recordOf(box: Pick<Box, 'instanceId' | 'lineage'>): SelfRestoreRecord | undefined {
    if (box.lineage && this.records.has(box.lineage)) return this.records.get(box.lineage);
    return [...this.records.values()].find((record) => [record.recovery, ...(record.recoveries ?? [])].some((run) => run?.interruptedInstanceId === box.instanceId || run?.replacementInstanceId === box.instanceId));
  }

  /** One check per notice (the same notice read twice costs nothing); a refusal is not kept. */
  confirm(box: Box, notice: { readonly noticeTime: number; readonly actionTime?: number }): Promise<NoticeVerdict> {
    const ports = this.ports(box);
    if (!ports) return Promise.resolve({ confirmed: false, reason: 'unreachable', detail: `${box.cloud} has no self-restoring group to ask` });
    const key = `${box.instanceId}@${notice.noticeTime}`;
    let verdict = this.verdicts.get(key);
    if (!verdict) {
      verdict = ports.confirm(box, notice);
      this.verdicts.set(key, verdict);
      void verdict.then((answer) => (answer.confirmed ? undefined : this.verdicts.delete(key)), () => this.verdicts.delete(key));
    }
    return verdict;
  }

  /** Follows the recovery of a confirmed notice; a second read of the same notice joins the first. */
  follow(box: Box, facts: InterruptionFacts): Promise<SelfRestoreRecord | undefined> {
    const ports = this.ports(box);
    const lineage = box.lineage;
    if (!ports || !lineage) return Promise.resolve(undefined);
    const existing = this.running.get(lineage);
    if (existing) return existing;
    const last = this.records.get(lineage);
    // The same notice read again (a journal replayed, a second tail): its run is already recorded.
    if (last?.recovery?.interruptedInstanceId === box.instanceId && last.recovery.timeline.notice === facts.noticeTime) return Promise.resolve(last);
    const work = this.steps(box, lineage, ports, facts).finally(() => this.running.delete(lineage));
    this.running.set(lineage, work);
    return work;
  }

  /**
   * A restore at boot this window did not follow (it opened later, or reloaded): the new box's
   * journal says what happened, and the run is recorded from it, marked unwatched. Nothing is done
   * for a box whose lineage this window is following or has recorded, or a box that restored
   * nothing (the lineage's first boot). The bucket's manifest adds when the notice checkpoint was
   * committed, if it answers within `manifestWaitMs`.
   */
  async recall(box: Box, outcome: BootRestoreOutcome, bootStartedAt: number | undefined, manifestWaitMs = 15_000): Promise<SelfRestoreRecord | undefined> {
    const ports = this.ports(box);
    const lineage = box.lineage;
    if (!ports || !lineage || outcome.phase === 'no-checkpoint' || this.running.has(lineage)) return undefined;
    const handoff = outcome.handoff;
    const noticeTime = handoff?.noticeTime;
    const known = this.records.get(lineage);
    // Recorded already: this box as a run's replacement (ARM ids compare without case), or the same notice.
    const sameBox = (id: string | undefined): boolean => id !== undefined && id.toLowerCase() === box.instanceId.toLowerCase();
    const sameNotice = (at: number | undefined): boolean => at !== undefined && noticeTime !== undefined && Math.abs(at - noticeTime) < SAME_NOTICE_MS;
    if ([known?.recovery, ...(known?.recoveries ?? [])].some((run) => run && (sameBox(run.replacementInstanceId) || sameNotice(run.timeline.notice)))) return undefined;
    let committedAt: number | undefined;
    if (noticeTime !== undefined) {
      const waited = AbortSignal.any([this.controller.signal, AbortSignal.timeout(manifestWaitMs)]);
      // Raced with the wait's end too: the timeline is not held up by a bucket read that ignores its signal.
      const ended = new Promise<never>((_, reject) => waited.addEventListener('abort', () => reject(waited.reason as Error), { once: true }));
      committedAt = await Promise.race([ports.noticeCheckpoint(box, noticeTime - 5_000, waited), ended]).then(
        (checkpoint) => (outcome.seq === undefined || checkpoint.seq === outcome.seq ? (checkpoint.createdAt ?? checkpoint.seenAt) : undefined),
        () => undefined,
      );
    }
    const run: RecoveryRun = {
      // The same restore read again by the next window has the same id (its summary is said once).
      id: `recalled:${box.instanceId}:${outcome.resumedAt ?? outcome.restoredAt ?? bootStartedAt ?? 0}`,
      trigger: noticeTime !== undefined ? 'notice' : 'lost',
      owner: 'cloud',
      heartbeatAt: this.now(),
      interruptedInstanceId: handoff?.from ?? 'the previous VM',
      interruptedPool: { instanceType: box.instanceType },
      replacementInstanceId: box.instanceId,
      replacementPool: { instanceType: box.instanceType, availabilityZone: box.availabilityZone, lifecycle: box.lifecycle },
      phase: outcome.phase === 'resumed' ? 'resumed' : 'failed',
      unwatched: true,
      ...(outcome.error !== undefined ? { error: `the new box could not restore itself: ${outcome.error}` } : {}),
      ...(outcome.seq !== undefined ? { checkpointSeq: String(outcome.seq) } : {}),
      ...(outcome.step !== undefined ? { checkpointStep: outcome.step, ...(outcome.phase === 'resumed' ? { resumedStep: outcome.step } : {}) } : {}),
      ...(handoff?.step !== undefined ? { stepReached: handoff.step } : {}),
      timeline: {
        ...(noticeTime !== undefined ? { notice: noticeTime } : {}),
        ...(handoff?.actionTime !== undefined ? { actionTime: handoff.actionTime } : {}),
        ...(committedAt !== undefined ? { checkpointCommitted: committedAt } : {}),
        ...(bootStartedAt !== undefined ? { replacementRunning: bootStartedAt } : {}),
        ...(outcome.restoredAt !== undefined ? { restored: outcome.restoredAt } : {}),
        ...(outcome.resumedAt !== undefined ? { resumed: outcome.resumedAt } : {}),
      },
    };
    // Checked again: a live notice may have started a run while the manifest was read.
    if (this.running.has(lineage)) return undefined;
    const before = this.records.get(lineage);
    const record: SelfRestoreRecord = { lineage, boxName: box.name, recovery: run, recoveries: [...(before?.recoveries ?? []), run].slice(-50) };
    this.records.set(lineage, record);
    this.changed(lineage, box);
    return record;
  }

  dispose(): void {
    this.controller.abort();
  }

  private async steps(box: Box, lineage: string, ports: SelfRestorePorts, facts: InterruptionFacts): Promise<SelfRestoreRecord | undefined> {
    const noticeTime = facts.noticeTime ?? this.now();
    const signal = this.controller.signal;
    const run: RecoveryRun = {
      id: randomUUID(),
      trigger: 'notice',
      owner: 'cloud',
      heartbeatAt: this.now(),
      interruptedInstanceId: box.instanceId,
      interruptedPool: { instanceType: box.instanceType, availabilityZone: box.availabilityZone },
      phase: 'noticed',
      timeline: { notice: noticeTime, ...(facts.actionTime !== undefined ? { actionTime: facts.actionTime } : {}) },
      ...(facts.stepReached !== undefined ? { stepReached: facts.stepReached } : {}),
    };
    const before = this.records.get(lineage);
    this.records.set(lineage, { lineage, boxName: box.name, recovery: run, ...(before?.recoveries ? { recoveries: before.recoveries } : {}) });
    this.changed(lineage, box);
    // Taken while the cloud recreates the VM: the notice checkpoint is in the bucket well before the new box is up.
    const checkpointing = ports
      .noticeCheckpoint(box, noticeTime - 5_000, signal)
      .then((checkpoint) => {
        this.patch(lineage, box, { ...(checkpoint.seq !== undefined ? { checkpointSeq: String(checkpoint.seq) } : {}), ...(checkpoint.step !== undefined ? { checkpointStep: checkpoint.step } : {}) }, { checkpointCommitted: checkpoint.createdAt ?? checkpoint.seenAt });
        return checkpoint;
      })
      .catch((error: unknown) => {
        this.options.logger.warn(`${box.name}: no notice checkpoint found in the bucket: ${message(error)}`);
        return undefined;
      });
    try {
      const replacement = await ports.replacement(box, noticeTime, signal);
      this.patch(
        lineage,
        box,
        { phase: 'restoring', replacementInstanceId: replacement.instanceId, replacementPool: { instanceType: replacement.instanceType, availabilityZone: replacement.availabilityZone, lifecycle: replacement.lifecycle } },
        { replacementRunning: this.now() },
      );
      const boot = await ports.bootRestore(replacement, signal);
      // The new box has restored what the bucket held: a notice checkpoint not there by now is not coming.
      await Promise.race([checkpointing, new Promise((resolve) => setTimeout(resolve, CHECKPOINT_AFTER_RESTORE_MS).unref())]);
      if (boot.phase === 'failed') throw new Error(`the new box could not restore itself: ${boot.error ?? 'see ~/.spotbox/agent.log on it'}`);
      const restored = boot.restoredAt !== undefined ? { restored: boot.restoredAt } : {};
      this.patch(lineage, box, { phase: 'resumed', ...(boot.step !== undefined ? { resumedStep: boot.step } : {}), ...(boot.seq !== undefined && this.records.get(lineage)?.recovery?.checkpointSeq === undefined ? { checkpointSeq: String(boot.seq) } : {}) }, { ...restored, resumed: boot.resumedAt ?? this.now() });
    } catch (error) {
      if (signal.aborted) return this.records.get(lineage);
      this.options.logger.error(`following the recovery of ${box.name} failed: ${message(error)}`);
      this.patch(lineage, box, { phase: 'failed', error: message(error) }, {});
    }
    const record = this.records.get(lineage)!;
    const finished = { ...record, recoveries: [...(record.recoveries ?? []), record.recovery!].slice(-50) };
    this.records.set(lineage, finished);
    return finished;
  }

  private patch(lineage: string, box: Box, change: Partial<RecoveryRun>, timeline: RecoveryTimeline): void {
    const record = this.records.get(lineage);
    if (!record?.recovery) return;
    this.records.set(lineage, { ...record, recovery: { ...record.recovery, ...change, heartbeatAt: this.now(), timeline: { ...record.recovery.timeline, ...timeline } } });
    this.changed(lineage, box);
  }

  private changed(lineage: string, box: Box): void {
    const record = this.records.get(lineage);
    if (record) this.options.onChange?.(record, box);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Ports loaded at their first use (the cloud's clients and modules); a failed load is tried again next time. */
export function lazySelfRestorePorts(load: () => Promise<SelfRestorePorts>): SelfRestorePorts {
  let loaded: Promise<SelfRestorePorts> | undefined;
  const ports = (): Promise<SelfRestorePorts> => {
    loaded ??= load();
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
  return {
    confirm: async (box, notice) => {
      try {
        return await (await ports()).confirm(box, notice);
      } catch (error) {
        return { confirmed: false, reason: 'unreachable', detail: `asking ${box.cloud} failed: ${message(error)}` };
      }
    },
    noticeCheckpoint: async (box, since, signal) => (await ports()).noticeCheckpoint(box, since, signal),
    replacement: async (box, noticeTime, signal) => (await ports()).replacement(box, noticeTime, signal),
    bootRestore: async (replacement, signal) => (await ports()).bootRestore(replacement, signal),
  };
}
