import * as vscode from 'vscode';
import { isCancellation, userMessageOf } from '../core/errors';
import type { Logger } from '../core/logging/logger';

export interface CommandContext {
  readonly logger: Logger;
  readonly showLogs: () => void;
}

const SHOW_LOGS = 'Show Logs';

/**
 * Every Spotbox command goes through here: the call is logged, a user's cancellation is silent,
 * and any other failure becomes one error notification with a way to the logs.
 */
export function registerSpotboxCommand(
  extensionContext: vscode.ExtensionContext,
  commandContext: CommandContext,
  id: string,
  handler: (...args: unknown[]) => unknown,
): void {
  const logger = commandContext.logger.child('command');
  const disposable = vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    logger.info(`${id}`);
    try {
      return await handler(...args);
    } catch (error) {
      if (isCancellation(error)) {
        logger.debug(`${id} cancelled`);
        return undefined;
      }
      logger.error(error instanceof Error ? error : String(error));
      void vscode.window.showErrorMessage(userMessageOf(error), SHOW_LOGS).then((choice) => {
        if (choice === SHOW_LOGS) {
          commandContext.showLogs();
        }
      });
      return undefined;
    }
  });
  extensionContext.subscriptions.push(disposable);
}
