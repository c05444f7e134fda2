import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SpotboxApi } from './api';
import { registerCommands } from './commands/commandRegistry';
import { CommandRunLog } from './commands/registerCommand';
import { SettingsReader } from './config/settingsReader';
import { BoxStore, noBoxSource } from './core/boxes/boxStore';
import { systemClock } from './core/time/clock';
import { createOutputChannelLogger } from './logging/outputChannelLogger';
import { registerCostTicker } from './statusBar/registerCostTicker';
import { createBoxesFeature } from './boxes/boxesFeature';
import { LineageStore } from './core/recovery/lineageStore';
import { NoticeBoard } from './core/recovery/noticeBoard';
import { registerRecovery } from './recovery/registerRecovery';
import { reopenRemoteWindowOnReplacement } from './recovery/reopenRemoteWindow';
import { registerIdleStop } from './idle/registerIdleStop';
import { registerCalculator } from './webviews/calculator/registerCalculator';
import { registerDashboard } from './webviews/dashboard/registerDashboard';
import { ownerIdFrom } from './core/hygiene/ownership';
import type { LivePoolPricer } from './core/pricing/priceService';

/** Composition root: builds the services once, hands them to each feature, then registers every command over them. */
export function activate(context: vscode.ExtensionContext): SpotboxApi {
  const started = performance.now();
  const channel = vscode.window.createOutputChannel('Spotbox', { log: true });
  const logger = createOutputChannelLogger(channel);
  const settings = new SettingsReader(logger.child('settings'));
  const boxStore = new BoxStore(noBoxSource, logger.child('boxes'));
  context.subscriptions.push(channel, settings, boxStore);

  const commandRuns = new CommandRunLog();
  context.subscriptions.push(commandRuns);
  const commandContext = { logger, showLogs: () => channel.show(true), commandRuns };
  // Google's prices come from the same clients as its boxes (made on first use), once a configuration is chosen.
  const gcpLivePrices = async (): Promise<LivePoolPricer | undefined> => (settings.settings.gcpConfiguration ? (await import('./core/gcp/gcpPrices')).billingPoolPricer((await boxes.gcpClients()).billing) : undefined);
  // Azure's retail prices need no sign-in: one client (its 6 h cache) for the window's life, made on first use.
  let azurePricer: Promise<LivePoolPricer> | undefined;
  const azureLivePrices = (): Promise<LivePoolPricer> =>
    (azurePricer ??= import('./core/azure/azureRetailPrices').then(({ AzureRetailPrices, azureRetailPricesUrl, retailPoolPricer }) => retailPoolPricer(new AzureRetailPrices({ baseUrl: azureRetailPricesUrl(process.env) }))));
  const calculator = registerCalculator(context, { logger, settings, clock: systemClock, gcpLivePrices, azureLivePrices });
  // Shared by every window of this user: a reloaded or second window continues a recovery, never doubles it.
  const lineages = new LineageStore(vscode.Uri.joinPath(context.globalStorageUri, 'lineages').fsPath);
  const notices = new NoticeBoard();
  context.subscriptions.push(notices);
  // Per installation, never synced: the sweep and release touch only what this installation launched.
  const ownerId = ownerIdFrom(context.globalState, (error) => logger.warn(`the owner id could not be saved: ${error instanceof Error ? error.message : String(error)}`));
  const boxes = createBoxesFeature(context, {
    boxStore,
    settings,
    clock: systemClock,
    logger: logger.child('boxes'),
    // SPOTBOX_SSH_HOME lets tests and the sandbox keep their SSH files away from the user's ~/.ssh.
    sshDirectory: process.env.SPOTBOX_SSH_HOME ?? path.join(os.homedir(), '.ssh'),
    lineages,
    notices,
    ownerId,
    azureSpotPrice: async (region, vmSize) => (await (await calculator.pricing()).priceService.otherCloudSpotPrices('azure', [vmSize], [region])).quotes[0]?.spot.usdPerHour,
  });

  const costTicker = registerCostTicker(context, { boxStore, settings, clock: systemClock, logger: logger.child('cost'), pricing: () => calculator.pricing(), clients: boxes.clients, notices });
  const dashboard = registerDashboard(context, { logger, costs: costTicker.costs, clock: systemClock });
  const idleStop = registerIdleStop(context, { ...commandContext, boxStore, boxes, lineages, clock: systemClock, logger: logger.child('idle') });
  const recovery = registerRecovery(context, { ...commandContext, boxStore, boxes, lineages, notices, clock: systemClock, logger: logger.child('recovery'), settings, usage: dashboard.usage, onAgentEvent: (box, event) => idleStop.onAgentEvent(box, event), prices: async () => (await calculator.pricing()).priceService });
  reopenRemoteWindowOnReplacement(context, { lineages, onDidChangeLineage: recovery.onDidChangeLineage, logger: logger.child('remote-window') });
  registerCommands(context, { ...commandContext, extensionUri: context.extensionUri, globalStorageUri: context.globalStorageUri, boxStore, settings, lineages, boxes, calculator, dashboard, recovery });

  const activationMs = performance.now() - started;
  const { version } = context.extension.packageJSON as { version: string };
  logger.info(`Spotbox ${version} activated in ${activationMs.toFixed(1)} ms`);
  return { boxStore, costTicker: () => costTicker.state(), calculator, dashboard, recovery, notices, lineages, ownerId, keyDirectory: boxes.keyDirectory, commandRuns, activationMs };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
