import * as vscode from 'vscode';
import type { Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import { userMessageOf } from '../core/errors';
import { activityReportOf } from '../core/idle/activityReport';
import type { EndIdleBoxResult } from '../core/idle/endIdleBox';
import { idleLimits, samePeriod, type IdleDecision, type IdleLimits } from '../core/idle/idlePolicy';
import { IdleWatch } from '../core/idle/idleWatch';
import type { Logger } from '../core/logging/logger';
import type { AgentEvent } from '../core/recovery/agentEvents';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { Clock } from '../core/time/clock';

export interface IdleStopperDeps {
  readonly boxStore: BoxStore;
  readonly lineages: LineageStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly showLogs: () => void;
  /** endIdleBox with the real cloud; `period` only when the policy, not the user, decided. */
  readonly end: (box: Box, period?: number) => Promise<EndIdleBoxResult>;
}

const KEEP_RUNNING = 'Keep Running';
const TERMINATE_NOW = 'Terminate Now';

/**
 * Idle stop in the editor: takes the agents' `activity` events, warns with Keep Running / Terminate
 * Now when the policy says so, and terminates the box when the warning runs out.
 */
export class IdleStopper implements vscode.Disposable {
  private readonly watch: IdleWatch;
  /** Per box, from its lineage record; a promise so that its reports stay in order while it is read. */
  private readonly limits = new Map<string, Promise<IdleLimits | undefined>>();
  private readonly boxes = new Map<string, Box>();

  constructor(private readonly deps: IdleStopperDeps) {
    this.watch = new IdleWatch(deps.clock, (boxId, decision) => this.decided(boxId, decision));
  }

  onAgentEvent(box: Box, event: AgentEvent): void {
    const report = activityReportOf(event);
    if (!report) {
      return;
    }
    this.boxes.set(box.instanceId, box);
    const asked = this.limits.get(box.instanceId) ?? this.readLimits(box.instanceId);
    void asked.then((found) => {
      if (found && this.limits.get(box.instanceId) === asked) {
        this.watch.report(box.instanceId, report, found);
      }
    });
  }

  /** Forgets boxes that no longer run. */
  sync(boxes: readonly Box[]): void {
    const running = new Set(boxes.filter((box) => box.state === 'running').map((box) => box.instanceId));
    for (const boxId of [...this.boxes.keys()]) {
      if (!running.has(boxId)) {
        this.forget(boxId);
      }
    }
  }

  dispose(): void {
    this.watch.dispose();
    this.limits.clear();
    this.boxes.clear();
  }

  private readLimits(boxId: string): Promise<IdleLimits | undefined> {
    const read = this.deps.lineages.findByInstance(boxId).then(
      (record) => {
        if (!record) {
          this.retryLater(boxId, read);
        }
        return record && !record.ended ? idleLimits(record.idleStopMinutes) : undefined;
      },
      () => {
        this.retryLater(boxId, read);
        return undefined;
      },
    );
    this.limits.set(boxId, read);
    return read;
  }

  /** Not recorded yet, or the store failed: the next report asks again. */
  private retryLater(boxId: string, read: Promise<IdleLimits | undefined>): void {
    if (this.limits.get(boxId) === read) {
      this.limits.delete(boxId);
    }
  }

  private forget(boxId: string): void {
    this.watch.forget(boxId);
    this.limits.delete(boxId);
    this.boxes.delete(boxId);
  }

  private decided(boxId: string, decision: IdleDecision): void {
    const box = this.boxes.get(boxId);
    if (!box) {
      return;
    }
    switch (decision.kind) {
      case 'warn':
        void this.warn(box, decision).catch((error: unknown) => this.deps.logger.warn(`idle warning for ${box.name}: ${userMessageOf(error)}`));
        return;
      case 'resumed':
        this.deps.logger.info(`${box.name} is in use again: idle stop withdrawn`);
        return;
      case 'terminate':
        this.deps.logger.info(`${box.name} idle for ${Math.round(decision.idleMs / 60_000)} min after the warning: terminating`);
        void this.end(box, decision.period);
        return;
    }
  }

  private async warn(box: Box, decision: Extract<IdleDecision, { kind: 'warn' }>): Promise<void> {
    const record = await this.deps.lineages.findByInstance(box.instanceId);
    if (record?.ended) {
      this.watch.terminating(box.instanceId);
      return;
    }
    if (samePeriod(record?.idleKeptRunningFrom, decision.period)) {
      // Keep Running was chosen in another window.
      this.watch.keepRunning(box.instanceId, decision.period);
      return;
    }
    const idleMinutes = Math.floor(decision.idleMs / 60_000);
    const minutesLeft = Math.max(1, Math.round((decision.terminateAt - this.deps.clock.now()) / 60_000));
    this.deps.logger.info(`${box.name} idle for ${idleMinutes} min: warned, terminating in ${minutesLeft} min`);
    const answer = await vscode.window.showWarningMessage(
      `${box.name} has been idle for ${idleMinutes} minutes and will be terminated in ${minutesLeft} minutes to stop its cost.`,
      KEEP_RUNNING,
      TERMINATE_NOW,
    );
    if (answer === KEEP_RUNNING) {
      this.watch.keepRunning(box.instanceId, decision.period);
      if (record) {
        // Other windows follow the same journal: they must not terminate it either.
        await this.deps.lineages.update(record.lineage, (current) => ({ ...current, idleKeptRunningFrom: decision.period }));
      }
      this.deps.logger.info(`${box.name}: Keep Running until it is busy and then idle again`);
    } else if (answer === TERMINATE_NOW) {
      this.watch.terminating(box.instanceId);
      await this.end(box);
    }
  }

  private async end(box: Box, period?: number): Promise<void> {
    const current = this.deps.boxStore.boxes.find((candidate) => candidate.instanceId === box.instanceId);
    if (current?.state !== 'running') {
      this.forget(box.instanceId);
      return;
    }
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Terminating idle ${box.name}` }, () => this.deps.end(current, period));
      if (result === 'kept-running') {
        this.watch.keepRunning(box.instanceId, period);
        return;
      }
      if (result === 'in-use') {
        // The journal said idle, the box says otherwise: this idle period ends nothing. Not stored in
        // the lineage (other windows take their own look), and a later idle period warns again.
        this.watch.keepRunning(box.instanceId, period);
        void vscode.window.showInformationMessage(`${box.name} keeps running: it is in use after all, so idle stop did not terminate it.`);
        return;
      }
      if (result === 'recovering') {
        this.forget(box.instanceId);
        return;
      }
      this.deps.logger.info(`${box.name} (${box.instanceId}) terminated by idle stop; its key pair, security group and launch template removed`);
      void vscode.window.showInformationMessage(`${box.name} was terminated: it was idle.`);
      await this.deps.boxStore.refresh().catch(() => undefined);
    } catch (error) {
      // A later report starts over, with a new warning, rather than retrying behind the user's back.
      this.forget(box.instanceId);
      this.deps.logger.error(error instanceof Error ? error : String(error));
      const choice = await vscode.window.showErrorMessage(`Idle stop could not terminate ${box.name}: ${userMessageOf(error)}`, 'Show Logs');
      if (choice === 'Show Logs') {
        this.deps.showLogs();
      }
    }
  }
}
