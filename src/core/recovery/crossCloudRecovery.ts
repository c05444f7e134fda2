/**
 * The recovery runs that end on another cloud (issue 14): a move for price, decided at the notice
 * before any replacement here, and a move when this cloud has no Spot capacity. Split from the
 * RecoveryCoordinator, which drives the run and hands these steps its store and records.
 */
import { CLOUD_FACTS } from '../cloud/clouds';
import { SpotboxError } from '../errors';
import type { Logger } from '../logging/logger';
import { cheaperMove, type CrossCloudMove } from './crossCloudTypes';
import type { LineageStore } from './lineageStore';
import type { RecoveryPorts } from './recoveryCoordinatorPorts';
import type { CheckpointRef, LineageRecord, RecoveryRun, RecoveryTimeline } from './recoveryTypes';

/** What the coordinator lends a cross-cloud step: its store, ports, options and run records. */
export interface RunRecords {
  readonly store: LineageStore;
  readonly ports: RecoveryPorts;
  readonly options: { readonly logger: Logger; readonly priceCheckMs?: number; readonly onChange?: (record: LineageRecord) => void };
  now(): number;
  required(lineage: string): Promise<LineageRecord>;
  patchRun(lineage: string, patch: Partial<RecoveryRun>, timeline?: Partial<RecoveryTimeline>): Promise<LineageRecord | undefined>;
}

export class CrossCloudRecovery {
  constructor(private readonly run: RunRecords) {}

  /**
   * At a notice, before the replacement here: the other cloud whose expected cost is below this
   * one's by the profile's margin (moveAcrossClouds.cheaperByPercent), if any. A price lookup that
   * fails or takes too long never holds up the recovery: the replacement goes ahead here.
   */
  async cheaperElsewhere(record: LineageRecord, interruptedInstanceId: string): Promise<CrossCloudMove | undefined> {
    if (record.crossCloud?.profile.moveAcrossClouds?.cheaperByPercent === undefined || !this.run.ports.checkPriceMove || !this.run.ports.moveToOtherCloud) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const limit = this.run.options.priceCheckMs ?? 20_000;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limit / 1000} s`)), limit);
    });
    try {
      const verdict = await Promise.race([this.run.ports.checkPriceMove(record), timeout]);
      this.run.options.logger.info(`${record.boxName}: ${verdict.move ? 'moving the session for price' : 'staying on AWS'}: ${verdict.reason}`);
      return verdict.move ? cheaperMove(record, interruptedInstanceId, verdict.comparison) : undefined;
    } catch (error) {
      this.run.options.logger.warn(`${record.boxName}: comparing prices across clouds failed (${error instanceof Error ? error.message : String(error)}); replacing the box on AWS as usual`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A move for price, with the fleet here held so it starts no second copy meanwhile. One that
   * fails before anything was launched on the other cloud gives the session back to the
   * replacement here (undefined); once a box runs there, its failure is the run's.
   */
  async moveForPrice(lineage: string, started: CrossCloudMove, checkpointing: Promise<CheckpointRef | undefined>, signal: AbortSignal): Promise<LineageRecord | undefined> {
    const record = await this.run.required(lineage);
    try {
      await this.run.ports.holdReplacement?.(record, true);
      return await this.moveAcross(lineage, started, checkpointing, signal);
    } catch (error) {
      const current = await this.run.required(lineage);
      if (current.recovery?.move?.to || signal.aborted) throw error;
      this.run.options.logger.warn(`${record.boxName}: the move for price failed before anything ran on the other cloud (${error instanceof Error ? error.message : String(error)}); replacing the box on AWS`);
      await this.run.ports.holdReplacement?.(record, false);
      // Recorded, so a reloaded window does not try the move again.
      await this.run.patchRun(lineage, { move: undefined, priceMoveError: error instanceof Error ? error.message : String(error) });
      return undefined;
    }
  }

  /**
   * The replacement on another cloud: once the old box's notice checkpoint is committed (or the
   * newest, when it went without one), moveLineage copies it, launches there and waits for the
   * resume; every step is persisted, so a reload goes on with the same move. The lineage then ends
   * here: its box runs on the other cloud, under the same lineage id.
   */
  async moveAcross(lineage: string, started: CrossCloudMove, checkpointing: Promise<CheckpointRef | undefined>, signal: AbortSignal): Promise<LineageRecord | undefined> {
    let record = (await this.run.patchRun(lineage, { phase: 'moving', move: started }))!;
    const checkpoint = (await checkpointing) ?? (await this.run.ports.newestCheckpoint(record));
    if (!checkpoint) {
      throw new SpotboxError(
        `${record.boxName} has no checkpoint to move to another cloud${started.reason === 'no-capacity' ? ', and AWS has no Spot capacity for its replacement' : ''}.`,
        'Start the box again when AWS has capacity, or launch the profile on Google Cloud or Azure.',
      );
    }
    record = await this.run.required(lineage);
    if (record.recovery!.checkpointSeq === undefined) {
      record = (await this.run.patchRun(lineage, { checkpointSeq: checkpoint.seq, ...(checkpoint.step !== undefined ? { checkpointStep: checkpoint.step } : {}) }))!;
    }
    const { move, boot } = await this.run.ports.moveToOtherCloud!(record, record.recovery!.move ?? started, checkpoint, {
      signal,
      onMove: async (next, milestones) => {
        await this.run.patchRun(lineage, { move: next }, milestones);
      },
      onSkipped: (skipped) => this.run.options.logger.warn(`${record.boxName}: could not move to ${CLOUD_FACTS[skipped.cloud].label} (${skipped.reason}); trying the next cloud in otherClouds`),
    });
    record = (await this.run.store.update(lineage, (current) => {
      const before = current.recovery!;
      const finished: RecoveryRun = {
        ...before,
        move,
        phase: 'resumed',
        // The step the old box's agent last saw at the notice (its handoff), when the journal gave none.
        ...(before.stepReached === undefined && boot.handoff?.step !== undefined ? { stepReached: boot.handoff.step } : {}),
        ...(boot.seq !== undefined ? { checkpointSeq: String(boot.seq) } : {}),
        ...(boot.step !== undefined ? { checkpointStep: boot.step, resumedStep: boot.step } : {}),
        timeline: { ...before.timeline, restored: boot.restoredAt ?? this.run.now(), resumed: boot.resumedAt ?? this.run.now() },
      };
      // Ended here: the session runs on the other cloud now, where that cloud's own replacement keeps it.
      return { ...current, ended: true, ...(move.to ? { movedTo: move.to } : {}), recovery: finished, recoveries: [...(current.recoveries ?? []), finished].slice(-50) };
    }))!;
    this.run.options.onChange?.(record);
    return record;
  }
}
