import * as vscode from 'vscode';
import { isCancellation, userMessageOf } from '../core/errors';
import type { Logger } from '../core/logging/logger';
import type { CommandId } from './commandIds';

/** How one run of a Spotbox command ended: what the user saw, in a form a test can assert. */
export interface CommandRun {
  /** Increases with every run started in this window, so a caller can tell its run from earlier ones. */
  readonly sequence: number;
  readonly command: string;
  readonly outcome: 'ok' | 'cancelled' | 'failed';
  /** For a failure, the notification's text; for a cancellation, why (usually "Cancelled by the user"). */
  readonly message?: string;
  /** What the handler returned (a terminal, a URL), for callers that did not run it themselves (a click in the UI). */
  readonly value?: unknown;
}

/**
 * The last runs of Spotbox commands, newest last. The wrapper below turns failures into a
 * notification and resolves, so `executeCommand` never rejects: this is where a failure stays
 * visible to whoever ran the command (the integration tests, through the extension's API).
 */
export class CommandRunLog implements vscode.Disposable {
  private readonly recorded: CommandRun[] = [];
  private nextSequence = 1;
  private readonly emitter = new vscode.EventEmitter<CommandRun>();
  readonly onDidRecord = this.emitter.event;

  constructor(private readonly capacity = 100) {}

  get runs(): readonly CommandRun[] {
    return this.recorded;
  }

  /** The sequence the next run will get: runs with a sequence at or above it started after this call. */
  get next(): number {
    return this.nextSequence;
  }

  /** Called when a run starts; the returned function records how it ended. */
  start(command: string): (result: Omit<CommandRun, 'sequence' | 'command'>) => void {
    const sequence = this.nextSequence++;
    return (result) => {
      const run: CommandRun = { sequence, command, ...result };
      this.recorded.push(run);
      if (this.recorded.length > this.capacity) {
        this.recorded.splice(0, this.recorded.length - this.capacity);
      }
      this.emitter.fire(run);
    };
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

export interface CommandContext {
  readonly logger: Logger;
  readonly showLogs: () => void;
  /** Where each run's outcome is recorded (the extension's API exposes it); absent, nothing is recorded. */
  readonly commandRuns?: CommandRunLog;
}

const SHOW_LOGS = 'Show Logs';

/**
 * Every Spotbox command goes through here: the call is logged, a user's cancellation is silent,
 * and any other failure becomes one error notification with a way to the logs. Each run's outcome
 * is recorded in the command run log.
 */
export function registerSpotboxCommand(
  extensionContext: vscode.ExtensionContext,
  commandContext: CommandContext,
  id: CommandId,
  handler: (...args: unknown[]) => unknown,
): void {
  const logger = commandContext.logger.child('command');
  const disposable = vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    logger.info(`${id}`);
    const record = commandContext.commandRuns?.start(id);
    try {
      const value = await handler(...args);
      record?.({ outcome: 'ok', value });
      return value;
    } catch (error) {
      if (isCancellation(error)) {
        logger.debug(`${id} cancelled`);
        record?.({ outcome: 'cancelled', message: error instanceof Error ? error.message : String(error) });
        return undefined;
      }
      logger.error(error instanceof Error ? error : String(error));
      const message = userMessageOf(error);
      record?.({ outcome: 'failed', message });
      void vscode.window.showErrorMessage(message, SHOW_LOGS).then((choice) => {
        if (choice === SHOW_LOGS) {
          commandContext.showLogs();
        }
      });
      return undefined;
    }
  });
  extensionContext.subscriptions.push(disposable);
}
