import { randomUUID } from 'node:crypto';
import type { LaunchRequest } from '../launch/launchTypes';
import { movesWhenNoCapacity, startedMove } from './crossCloudTypes';
import { CrossCloudRecovery } from './crossCloudRecovery';
import { NoSpotCapacityError } from '../launch/noSpotCapacity';
import type { LineageStore } from './lineageStore';
import { unconfirmedNoticeWarning } from './noticeConfirmation';
import type { InterruptionFacts, RecoveryOptions, RecoveryPorts, ReplacementBox } from './recoveryCoordinatorPorts';
import { replacementPools } from './replacementPools';
import { isActive, type CheckpointRef, type LineageRecord, type RecoveryRun, type RecoveryTimeline, type RecoveryTrigger } from './recoveryTypes';

/**
 * Brings a lineage back after its box is reclaimed: replacement launched at notice time in another
 * pool while the agent checkpoints, then restore and resume on it. Every milestone is persisted
 * before the next step, so a reload continues the same run (never a second replacement), and a
 * cloud claim keeps a second window from starting its own.
 */
export class RecoveryCoordinator {
  private readonly running = new Map<string, Promise<LineageRecord | undefined>>();
  /** Facts of a replacement interrupted while its own run was still going, per lineage. */
  private readonly followUps = new Map<string, InterruptionFacts>();
  private readonly aborts = new Set<AbortController>();
  /** Old boxes being handed back; a first-hour one waits for EC2's reclaim, outside its run. */
  private readonly releases = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly crossCloud: CrossCloudRecovery;

  constructor(
    private readonly store: LineageStore,
    private readonly ports: RecoveryPorts,
    private readonly options: RecoveryOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.crossCloud = new CrossCloudRecovery({
      store,
      ports,
      options,
      now: () => this.now(),
      required: (lineage) => this.required(lineage),
      patchRun: (lineage, patch, timeline) => this.patchRun(lineage, patch, timeline),
    });
  }

  /** Starts (or joins) the recovery of the lineage that `facts.instanceId` belongs to. */
  async recover(trigger: RecoveryTrigger, facts: InterruptionFacts): Promise<LineageRecord | undefined> {
    const record = await this.store.findByInstance(facts.instanceId);
    if (record && trigger === 'notice' && !record.ended && !(await this.noticeConfirmed(record, facts.instanceId))) {
      return record;
    }
    if (record && !record.ended && isActive(record.recovery) && record.recovery.replacementInstanceId === facts.instanceId) {
      // A second notice, on the replacement, while it is still being restored: this run cannot
      // resume there for long, so the next run starts from it as soon as this one ends.
      const followTrigger = trigger === 'lost' ? 'lost' : 'notice';
      await this.patchRun(record.lineage, {
        replacementInterrupted: { trigger: followTrigger, ...(facts.noticeTime !== undefined ? { noticeTime: facts.noticeTime } : {}), ...(facts.actionTime !== undefined ? { actionTime: facts.actionTime } : {}) },
      });
      this.followUps.set(record.lineage, facts);
      // Not the running run's promise: a caller inside that run (a port) must not wait for itself.
      return this.store.get(record.lineage);
    }
    if (!record || record.ended || record.currentInstanceId !== facts.instanceId) {
      return record;
    }
    if (record.recovery?.interruptedInstanceId === facts.instanceId) {
      // The same notice read again (journal replay, a second tail): join a live run, never restart a
      // failed one on its own; the user retries that from the timeline.
      return isActive(record.recovery) ? this.continueRun(record.lineage) : record;
    }
    const existing = this.running.get(record.lineage);
    if (existing) {
      if (isActive(record.recovery)) {
        return existing;
      }
      // The last run has just resumed on this box and is finishing: this notice is a new
      // interruption, so it gets its own run once that one has settled.
      await existing.catch(() => undefined);
      return this.running.get(record.lineage) === existing ? undefined : this.recover(trigger, facts);
    }
    const run: RecoveryRun = {
      id: randomUUID(),
      trigger,
      owner: this.options.windowId,
      heartbeatAt: this.now(),
      interruptedInstanceId: facts.instanceId,
      interruptedPool: { instanceType: facts.instanceType, ...(facts.availabilityZone ? { availabilityZone: facts.availabilityZone } : {}) },
      phase: 'noticed',
      timeline: { notice: facts.noticeTime ?? this.now(), ...(facts.actionTime !== undefined ? { actionTime: facts.actionTime } : {}) },
      ...(facts.stepReached !== undefined ? { stepReached: facts.stepReached } : {}),
    };
    const work = (async (): Promise<LineageRecord | undefined> => {
      if (!(await this.ports.claim(record, run.id))) {
        this.options.logger.info(`another window is recovering ${record.boxName}; watching only`);
        return record;
      }
      const started = await this.store.update(record.lineage, (current) => (isActive(current.recovery) ? current : { ...current, recovery: run }));
      if (!started || started.recovery?.id !== run.id) {
        return started;
      }
      this.options.onChange?.(started);
      return this.drive(started.lineage);
    })();
    this.running.set(record.lineage, work);
    return work.finally(() => this.forget(record.lineage, work));
  }

  /**
   * A notice starts a replacement and later ends the box: only once EC2 confirms it. Asked before
   * any step, joins of a live run included (a confirmed notice is remembered, so those cost nothing).
   */
  private async noticeConfirmed(record: LineageRecord, instanceId: string): Promise<boolean> {
    const verdict = await this.ports.confirmNotice(record.region, instanceId);
    if (!verdict.confirmed) {
      this.options.logger.warn(unconfirmedNoticeWarning(record.boxName, instanceId, verdict));
    }
    return verdict.confirmed;
  }

  /** Picks up runs left unfinished by a reloaded or closed window, once their lease is stale. */
  async continueUnfinished(): Promise<void> {
    for (const record of await this.store.list()) {
      if (isActive(record.recovery) && !this.running.has(record.lineage)) {
        void this.continueRun(record.lineage).catch((error: unknown) => this.options.logger.warn(`continuing the recovery of ${record.boxName} failed: ${String(error)}`));
      }
    }
  }

  /** Updates the trainer's last known step while the box is still up (from the agent journal). */
  async noteStep(instanceId: string, step: number): Promise<void> {
    const record = await this.store.findByInstance(instanceId);
    if (record && isActive(record.recovery) && record.recovery.interruptedInstanceId === instanceId) {
      await this.patchRun(record.lineage, { stepReached: Math.max(step, record.recovery.stepReached ?? 0) });
    }
  }

  /** Resolves once every old box this window is handing back has been released (or left for the sweep). */
  async releasesSettled(): Promise<void> {
    while (this.releases.size > 0) {
      await Promise.all([...this.releases]);
    }
  }

  dispose(): void {
    for (const controller of this.aborts) {
      controller.abort();
    }
  }

  private continueRun(lineage: string): Promise<LineageRecord | undefined> {
    const existing = this.running.get(lineage);
    if (existing) {
      return existing;
    }
    const work = (async (): Promise<LineageRecord | undefined> => {
      const record = await this.store.get(lineage);
      if (!record || !isActive(record.recovery)) {
        return record;
      }
      const mine = record.recovery.owner === this.options.windowId;
      const stale = this.now() - record.recovery.heartbeatAt > (this.options.leaseMs ?? 30_000);
      if (!mine && !stale) {
        return record;
      }
      const taken = await this.store.update(lineage, (current) =>
        current.recovery && current.recovery.id === record.recovery?.id ? { ...current, recovery: { ...current.recovery, owner: this.options.windowId, heartbeatAt: this.now() } } : current,
      );
      if (taken?.recovery?.owner !== this.options.windowId) {
        return taken;
      }
      this.options.logger.info(`continuing the recovery of ${record.boxName} from ${record.recovery.phase}`);
      return this.drive(lineage);
    })();
    this.running.set(lineage, work);
    return work.finally(() => this.forget(lineage, work));
  }

  private async drive(lineage: string): Promise<LineageRecord | undefined> {
    const controller = new AbortController();
    this.aborts.add(controller);
    const heartbeat = setInterval(() => void this.patchRun(lineage, { heartbeatAt: this.now() }).catch(() => undefined), this.options.heartbeatMs ?? 10_000);
    // A disposed window stops renewing its lease at once, so the next window can take over.
    controller.signal.addEventListener('abort', () => clearInterval(heartbeat), { once: true });
    try {
      return await this.steps(lineage, controller.signal);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.error(`recovery of ${lineage} failed: ${message}`);
      // A replacement that runs is the lineage's box from now on, even half-restored: if it is
      // interrupted or lost in turn (a second notice during the restore), that starts a new run.
      const failed = await this.store.update(lineage, (current) =>
        current.recovery
          ? {
              ...current,
              ...(current.recovery.replacementInstanceId !== undefined && current.recovery.timeline.replacementRunning !== undefined ? { currentInstanceId: current.recovery.replacementInstanceId } : {}),
              recovery: { ...current.recovery, phase: 'failed', error: message },
            }
          : current,
      );
      if (failed) {
        this.options.onChange?.(failed);
        const interrupted = failed.recovery?.interruptedInstanceId;
        if (interrupted !== undefined && failed.currentInstanceId !== interrupted) {
          // The replacement carries the lineage now: the reclaimed box and its launch's key pair,
          // group and template serve nothing (a retry launches its own).
          this.releaseOld(failed, failed.recovery!);
        }
      }
      return failed;
    } finally {
      clearInterval(heartbeat);
      this.aborts.delete(controller);
      this.startFollowUp(lineage);
    }
  }

  private forget(lineage: string, work: Promise<LineageRecord | undefined>): void {
    if (this.running.get(lineage) === work) {
      this.running.delete(lineage);
    }
  }

  /** Runs the recovery of a replacement that was interrupted while its own run was under way. */
  private startFollowUp(lineage: string): void {
    void (async () => {
      const record = await this.store.get(lineage);
      const interrupted = record?.recovery?.replacementInterrupted;
      const replacement = record?.recovery?.replacementInstanceId;
      if (!record || record.ended || !interrupted || !replacement || record.currentInstanceId !== replacement) {
        return;
      }
      const facts = this.followUps.get(lineage) ?? { instanceId: replacement, instanceType: record.recovery?.replacementPool?.instanceType ?? '' };
      this.followUps.delete(lineage);
      // After this run's promise settles, so the new run is not mistaken for a join of the old one.
      await this.running.get(lineage)?.catch(() => undefined);
      await this.recover(interrupted.trigger, { ...facts, instanceId: replacement, ...(record.recovery?.replacementPool?.availabilityZone ? { availabilityZone: record.recovery.replacementPool.availabilityZone } : {}) });
    })().catch((error: unknown) => this.options.logger.error(`recovering the interrupted replacement of ${lineage} failed: ${String(error)}`));
  }

  private async steps(lineage: string, signal: AbortSignal): Promise<LineageRecord | undefined> {
    let record = await this.required(lineage);
    let run = record.recovery!;
    // The agent checkpoints on its own when the notice arrives; this only waits for its commit,
    // in parallel with the replacement launch.
    const checkpointing: Promise<CheckpointRef | undefined> =
      run.trigger === 'lost' || run.timeline.checkpointCommitted !== undefined
        ? Promise.resolve(undefined)
        : this.ports.emergencyCheckpoint(record, run, signal).then(async (checkpoint) => {
            if (checkpoint) {
              await this.patchRun(lineage, { checkpointSeq: checkpoint.seq, ...(checkpoint.step !== undefined ? { checkpointStep: checkpoint.step } : {}) }, { checkpointCommitted: this.now() });
            }
            return checkpoint;
          });
    checkpointing.catch(() => undefined);

    // A move for price (a reloaded window's too) may still give the session back to AWS until it lands.
    const priceMove = run.move?.reason === 'cheaper' && !run.move.to ? run.move : undefined;
    if (run.move && !priceMove) {
      return this.crossCloud.moveAcross(lineage, run.move, checkpointing, signal);
    }
    if (run.replacementInstanceId === undefined) {
      const cheaper = priceMove ?? (run.trigger === 'notice' && run.priceMoveError === undefined ? await this.crossCloud.cheaperElsewhere(record, run.interruptedInstanceId) : undefined);
      if (cheaper) {
        const moved = await this.crossCloud.moveForPrice(lineage, cheaper, checkpointing, signal);
        if (moved) return moved;
        record = await this.required(lineage);
        run = record.recovery!;
      }
      record = (await this.patchRun(lineage, { phase: 'launching' }))!;
      const zones = await this.ports.zones(record.region);
      const request: LaunchRequest = { ...record.launch, pools: replacementPools(record.launch.pools, zones, run.interruptedPool) };
      let replacement: ReplacementBox;
      try {
        replacement = await this.ports.launchReplacement(request, signal, { record, run });
      } catch (error) {
        // EC2's own word that it has no Spot capacity, for a lineage whose profile may move: land elsewhere.
        if (error instanceof NoSpotCapacityError && movesWhenNoCapacity(record) && this.ports.moveToOtherCloud) {
          this.options.logger.warn(`${record.boxName}: ${error.message}; moving the session to another cloud`);
          return this.crossCloud.moveAcross(lineage, startedMove(record, run.interruptedInstanceId, error), checkpointing, signal);
        }
        throw error;
      }
      // Recorded at once: a reload from here on waits for this instance instead of launching another.
      record = (await this.store.update(lineage, (current) => ({
        ...current,
        instanceIds: [...current.instanceIds, replacement.instanceId],
        recovery: {
          ...current.recovery!,
          replacementInstanceId: replacement.instanceId,
          replacementPool: { instanceType: replacement.instanceType, ...(replacement.availabilityZone ? { availabilityZone: replacement.availabilityZone } : {}), lifecycle: replacement.lifecycle },
          timeline: { ...current.recovery!.timeline, replacementLaunched: Math.min(replacement.launchedAt ?? Infinity, this.now()) },
        },
      })))!;
      this.options.onChange?.(record);
      run = record.recovery!;
    }
    const replacementId = run.replacementInstanceId!;
    if (run.timeline.replacementRunning === undefined) {
      await this.ports.waitUntilRunning(record.region, replacementId, signal);
      // A replacement found after the fact ran long before this window looked: not later than its launch says.
      const launchedAt = run.timeline.replacementLaunched;
      record = (await this.patchRun(lineage, { phase: 'replacement-running' }, { replacementRunning: launchedAt !== undefined && launchedAt < this.now() - 60_000 ? launchedAt : this.now() }))!;
    }

    let checkpoint = await checkpointing;
    record = await this.required(lineage);
    run = record.recovery!;
    if (!checkpoint) {
      checkpoint = await this.ports.newestCheckpoint(record);
      if (checkpoint) {
        record = (await this.patchRun(lineage, { checkpointSeq: checkpoint.seq, ...(checkpoint.step !== undefined ? { checkpointStep: checkpoint.step } : {}) }))!;
      }
    }
    if (run.timeline.restored === undefined) {
      record = (await this.patchRun(lineage, { phase: 'restoring' }))!;
      const report = await this.ports.restore(record, replacementId, checkpoint, signal);
      // The box restored itself (a fleet lineage): its journal says which checkpoint and when.
      const restoredSeq = report?.seq !== undefined ? { checkpointSeq: report.seq, ...(report.step !== undefined ? { checkpointStep: report.step } : {}) } : {};
      // A box that restored itself at `at` was running by then, whenever this window first saw it.
      const running = record.recovery!.timeline.replacementRunning;
      const ranBy = report?.at !== undefined && running !== undefined && report.at < running ? { replacementRunning: report.at } : {};
      record = (await this.patchRun(lineage, restoredSeq, { ...ranBy, restored: report?.at ?? this.now() }))!;
    }
    const resumed = await this.ports.resume(record, replacementId, signal);
    const { resumedStep, notice } = resumed;
    record = (await this.store.update(lineage, (current) => {
      const before = current.recovery!;
      // A loss the window learnt of after the fact that was a notice after all (the predecessor's handoff).
      const noticed = before.trigger === 'lost' && notice?.time !== undefined && notice.instanceId === before.interruptedInstanceId;
      const finished: RecoveryRun = {
        ...before,
        ...(noticed ? { trigger: 'notice' as const } : {}),
        ...(noticed && notice.step !== undefined && before.stepReached === undefined ? { stepReached: notice.step } : {}),
        // Resumed before this run began: the fleet and the box did it all while no window watched.
        ...(resumed.at !== undefined && before.timeline.notice !== undefined && resumed.at < before.timeline.notice ? { unwatched: true } : {}),
        phase: 'resumed',
        ...(resumedStep !== undefined ? { resumedStep } : {}),
        timeline: {
          ...before.timeline,
          ...(noticed ? { notice: notice.time, ...(notice.actionTime !== undefined ? { actionTime: notice.actionTime } : {}) } : {}),
          ...(noticed && checkpoint && checkpoint.createdAt >= notice.time - 1_000 && before.timeline.checkpointCommitted === undefined ? { checkpointCommitted: checkpoint.createdAt } : {}),
          resumed: resumed.at ?? this.now(),
        },
      };
      return { ...current, currentInstanceId: replacementId, recovery: finished, recoveries: [...(current.recoveries ?? []), finished].slice(-50) };
    }))!;
    this.options.onChange?.(record);
    this.releaseOld(record, run);
    return record;
  }

  /**
   * Hands the interrupted box back without holding up the run: a box in its first hour is left for
   * EC2 until its action time (AWS charges nothing for it then), and a new notice on the
   * replacement meanwhile must start its own run at once. Hard terminations are EC2's already.
   */
  private releaseOld(record: LineageRecord, run: RecoveryRun): void {
    const controller = new AbortController();
    this.aborts.add(controller);
    const reclaimAt = run.trigger === 'lost' ? undefined : run.timeline.actionTime;
    const release: Promise<void> = this.ports
      .releaseOld(record, run.interruptedInstanceId, { ...(reclaimAt !== undefined ? { reclaimAt } : {}), signal: controller.signal })
      .catch((error: unknown) => this.options.logger.warn(`releasing ${run.interruptedInstanceId} failed: ${String(error)}`))
      .finally(() => {
        this.aborts.delete(controller);
        this.releases.delete(release);
      });
    this.releases.add(release);
  }

  private async required(lineage: string): Promise<LineageRecord> {
    const record = await this.store.get(lineage);
    if (!record?.recovery) {
      throw new Error(`The recovery record of ${lineage} disappeared`);
    }
    return record;
  }

  private async patchRun(lineage: string, patch: Partial<RecoveryRun>, timeline: Partial<RecoveryTimeline> = {}): Promise<LineageRecord | undefined> {
    const record = await this.store.update(lineage, (current) =>
      current.recovery ? { ...current, recovery: { ...current.recovery, ...patch, timeline: { ...current.recovery.timeline, ...timeline } } } : current,
    );
    if (record) {
      this.options.onChange?.(record);
    }
    return record;
  }
}
