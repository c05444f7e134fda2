import type { CostSnapshot } from '../billing/boxCostTracker';
import { userMessageOf } from '../errors';
import { Emitter } from '../events';
import type { Logger } from '../logging/logger';
import type { Clock, Disposable } from '../time/clock';
import { EMPTY_LEDGER, readLedgerFile, writeLedgerFile } from './ledgerFile';
import { addEpoch, addInterruption, applyCostSnapshot, mergeLedgers } from './sessionUpdates';
import type { BoxSession, InterruptionKind, LedgerData, PendingUsageEvent, UsageEventRecorder } from './usageTypes';

export interface UsageLedgerOptions {
  /** The ledger's JSON file; the editor passes one under its global storage folder. */
  readonly filePath: string;
  readonly logger: Logger;
  readonly clock: Pick<Clock, 'now'>;
}

type Change = (data: LedgerData) => LedgerData | undefined;

/**
 * Every box session Spotbox has seen, with its cost, on-demand equivalent, interruptions and
 * epochs, kept on disk so the dashboard can look back. Changes made before the file has been read
 * wait and are applied on top of it; writes are atomic, one at a time, and merge whatever another
 * editor window wrote meanwhile.
 */
export class UsageLedger implements UsageEventRecorder, Disposable {
  private data: LedgerData = EMPTY_LEDGER;
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private queued: Change[] | undefined = [];
  private loading: Promise<void> | undefined;
  private saving: Promise<void> | undefined;
  private dirty = false;
  /** Off when the file exists but cannot be read: writing would replace history we could not see. */
  private persist = true;

  constructor(private readonly options: UsageLedgerOptions) {}

  get sessions(): readonly BoxSession[] {
    return this.data.sessions;
  }

  get pendingEvents(): readonly PendingUsageEvent[] {
    return this.data.pendingEvents;
  }

  get loaded(): boolean {
    return this.queued === undefined;
  }

  /** Reads the file once; later calls share the first read. */
  load(): Promise<void> {
    this.loading ??= this.read();
    return this.loading;
  }

  /** Folds the costs of the boxes now into their sessions (opening and closing sessions as boxes come and go). */
  observe(snapshot: CostSnapshot): void {
    this.apply((data) => applyCostSnapshot(data, snapshot));
  }

  recordInterruption(instanceId: string, kind: InterruptionKind, time: number): void {
    this.apply((data) => addInterruption(data, instanceId, kind, time));
  }

  recordEpoch(instanceId: string, epoch: number, time: number): void {
    if (!Number.isFinite(epoch) || !Number.isFinite(time)) {
      this.options.logger.warn(`ignored epoch ${epoch} at ${time} for ${instanceId}: not a number`);
      return;
    }
    this.apply((data) => addEpoch(data, instanceId, epoch, time));
  }

  /** Resolves once everything recorded so far is on disk (or has failed to get there, logged). */
  async flush(): Promise<void> {
    await this.load();
    while (this.saving) {
      await this.saving;
    }
  }

  private apply(change: Change): void {
    if (this.queued) {
      this.queued.push(change);
      return;
    }
    const next = change(this.data);
    if (next) {
      this.data = next;
      this.changed.fire();
      this.scheduleSave();
    }
  }

  private async read(): Promise<void> {
    const { filePath, logger, clock } = this.options;
    try {
      this.data = await readLedgerFile(filePath, logger, clock.now());
    } catch (error) {
      this.persist = false;
      logger.error(`usage ledger ${filePath} cannot be read (${userMessageOf(error)}); this session's usage is kept in memory only`);
    }
    const queued = this.queued ?? [];
    this.queued = undefined;
    queued.forEach((change) => this.apply(change));
    this.changed.fire();
  }

  private scheduleSave(): void {
    if (!this.persist) return;
    this.dirty = true;
    this.saving ??= this.saveWhileDirty().finally(() => {
      this.saving = undefined;
    });
  }

  private async saveWhileDirty(): Promise<void> {
    const { filePath, logger, clock } = this.options;
    while (this.dirty) {
      this.dirty = false;
      try {
        const onDisk = await readLedgerFile(filePath, logger, clock.now()).catch(() => EMPTY_LEDGER);
        await writeLedgerFile(filePath, mergeLedgers(this.data, onDisk));
        // What another window wrote shows here too, without waiting for a restart. Merged again:
        // this window may have recorded more while the file was being written.
        const merged = mergeLedgers(this.data, onDisk);
        if (JSON.stringify(merged) !== JSON.stringify(this.data)) {
          this.data = merged;
          this.changed.fire();
        }
      } catch (error) {
        logger.warn(`saving the usage ledger to ${filePath} failed: ${userMessageOf(error)}`);
      }
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
