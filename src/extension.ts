import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SpotboxApi } from './api';
import { registerCoreCommands } from './commands/registerCoreCommands';
import { SettingsReader } from './config/settingsReader';
import { BoxStore, noBoxSource } from './core/boxes/boxStore';
import { systemClock } from './core/time/clock';
import { createOutputChannelLogger } from './logging/outputChannelLogger';
import { CostTickerItem } from './statusBar/costTickerItem';
import { registerBoxes } from './boxes/registerBoxes';
import { registerCalculator } from './webviews/calculator/registerCalculator';

/** Composition root: builds the services once and hands them to each feature. */
export function activate(context: vscode.ExtensionContext): SpotboxApi {
  const started = performance.now();
  const channel = vscode.window.createOutputChannel('Spotbox', { log: true });
  const logger = createOutputChannelLogger(channel);
  const settings = new SettingsReader(logger.child('settings'));
  const boxStore = new BoxStore(noBoxSource, logger.child('boxes'));
  const costTicker = new CostTickerItem(boxStore, settings, systemClock);
  context.subscriptions.push(channel, settings, boxStore, costTicker);

  const commandContext = { logger, showLogs: () => channel.show(true) };
  registerCoreCommands(context, { ...commandContext, boxStore, extensionUri: context.extensionUri });
  const calculator = registerCalculator(context, { ...commandContext, settings, clock: systemClock });
  registerBoxes(context, { ...commandContext, boxStore, settings, clock: systemClock, logger: logger.child('boxes'), pricing: () => calculator.pricing(),
    // SPOTBOX_SSH_HOME lets tests and the sandbox keep their SSH files away from the user's ~/.ssh.
    sshDirectory: process.env.SPOTBOX_SSH_HOME ?? path.join(os.homedir(), '.ssh'),
  });

  const activationMs = performance.now() - started;
  const { version } = context.extension.packageJSON as { version: string };
  logger.info(`Spotbox ${version} activated in ${activationMs.toFixed(1)} ms`);
  return { boxStore, costTicker: () => costTicker.state, calculator, activationMs };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
