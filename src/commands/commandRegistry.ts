import * as vscode from 'vscode';
import type { BoxesFeature } from '../boxes/boxesFeature';
import type { SettingsReader } from '../config/settingsReader';
import { readAgentSource } from '../core/agent/agentSource';
import { Ec2ClientPool } from '../core/aws/ec2ClientPool';
import type { BoxStore } from '../core/boxes/boxStore';
import { readLedgerSessions, USAGE_LEDGER_FILE } from '../core/dashboard/ledgerFile';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { RecoveryFeature } from '../recovery/registerRecovery';
import type { CalculatorFeature } from '../webviews/calculator/registerCalculator';
import type { DashboardFeature } from '../webviews/dashboard/registerDashboard';
import { attachCommand } from './box/attach';
import { terminateBoxCommand } from './box/terminate';
import { refreshBoxesCommand } from './boxes/refresh';
import { COMMAND_IDS, type CommandId } from './commandIds';
import { openCostDashboardCommand } from './dashboard/open';
import { showLogCommand } from './log/show';
import { forwardPortCommand } from './portForward/start';
import { stopPortForwardCommand } from './portForward/stop';
import { showRecoveryTimelineCommand } from './recoveryTimeline/show';
import { registerSpotboxCommand, type CommandContext } from './registerCommand';
import { openSandboxGuideCommand } from './sandboxGuide/open';
import { estimateSavingsCommand } from './savings/estimate';
import { copySshCommand } from './sshCommand/copy';
import { openTerminalCommand } from './terminal/open';

/** The services the composition root (extension.ts) built: everything a command handler may use. */
export interface CommandServices extends CommandContext {
  readonly extensionUri: vscode.Uri;
  readonly globalStorageUri: vscode.Uri;
  readonly boxStore: BoxStore;
  readonly settings: SettingsReader;
  readonly lineages: LineageStore;
  readonly boxes: BoxesFeature;
  readonly calculator: CalculatorFeature;
  readonly dashboard: DashboardFeature;
  readonly recovery: RecoveryFeature;
}

type CommandHandler = (...args: unknown[]) => unknown;

/** Registers every Spotbox command, once, through the one wrapper (registerCommand.ts). */
export function registerCommands(context: vscode.ExtensionContext, services: CommandServices): void {
  const handlers = commandHandlers(services);
  for (const id of COMMAND_IDS) {
    registerSpotboxCommand(context, services, id, handlers[id]);
  }
}

/**
 * Each command id with its handler over the services. Typed by commandIds.ts, so a contributed
 * command without a handler, or a handler for an id not contributed, does not compile. Heavy
 * handlers (the launch, the sweep, the checkpoint and rehearsal commands, the profile check) are
 * reached through import(): esbuild bundles each apart and loads it on first use (esbuild.mjs),
 * so every command is registered at activation and its code comes later.
 */
function commandHandlers(services: CommandServices): Record<CommandId, CommandHandler> {
  const { boxStore, settings, lineages, boxes, logger } = services;
  const usageSessions = (reason: string) => () =>
    readLedgerSessions(vscode.Uri.joinPath(services.globalStorageUri, USAGE_LEDGER_FILE).fsPath, (problem) => logger.warn(`the usage ledger cannot be read (${problem}); ${reason}`));
  const checkpointDeps = { boxStore, endpoints: boxes.attach.endpoints, lineages, awsProfile: () => settings.settings.awsProfile || undefined };
  return {
    'spotbox.estimateSavings': () => estimateSavingsCommand(services.calculator.panels),
    'spotbox.openCostDashboard': () => openCostDashboardCommand({ panels: services.dashboard.panels, boxStore, logger: logger.child('dashboard') }),
    'spotbox.launchBox': async () =>
      (await import('./box/launch')).launchBoxCommand({
        boxStore,
        settings,
        clients: boxes.clients,
        gcpClients: boxes.gcpClients,
        azureClients: boxes.azureClients,
        pricing: () => services.calculator.pricing(),
        diagnostics: boxes.profileDiagnostics,
        keyDirectory: boxes.keyDirectory,
        ownerId: boxes.ownerId,
        logger: logger.child('launch'),
        endpoints: boxes.attach.endpoints,
        lineages,
        agentSource: () => readAgentSource(services.extensionUri.fsPath),
        s3Profile: checkpointDeps.awsProfile,
        usageSessions: usageSessions('"auto" checkpoint intervals use the Advisor rate alone'),
      }),
    'spotbox.attach': (argument) => attachCommand(boxes.attach.commandDeps, argument),
    'spotbox.openTerminal': (argument) => openTerminalCommand(boxes.attach.commandDeps, argument),
    'spotbox.terminateBox': (argument) => terminateBoxCommand({ boxStore, clients: boxes.clients, gcpCompute: async () => (await boxes.gcpClients()).compute, azureClients: boxes.azureClients, keyDirectory: boxes.keyDirectory, lineages, ownerId: boxes.ownerId, releaseLaunchResources: boxes.releaseLaunchResources }, argument),
    'spotbox.refresh': () => refreshBoxesCommand(boxStore),
    'spotbox.showLog': () => showLogCommand(services.showLogs),
    'spotbox.openSandboxGuide': () => openSandboxGuideCommand(services.extensionUri),
    'spotbox.sweepOrphans': async () => {
      // The same lazily loaded bundle as the release of a launch's leftovers (hygieneFeature.ts).
      const { sweepOrphansCommand, ec2HygieneCloud, gceHygieneCloud, GCE_SWEEP_SCOPE, azureHygieneCloud, AZURE_SWEEP_SCOPE } = await import('../boxes/hygieneFeature');
      return sweepOrphansCommand({
        targets: async () => {
          const { regions, gcpConfiguration, azureSubscription } = settings.settings;
          // Other clouds are connected lazily: one that cannot be reached is a problem line, and the rest are still swept.
          return [
            { id: 'aws' as const, cloud: ec2HygieneCloud(boxes.clients()), regions, where: regions.join(', ') },
            ...(gcpConfiguration ? [{ id: 'gcp' as const, cloud: gceHygieneCloud(async () => (await boxes.gcpClients()).compute, boxes.keyDirectory), regions: [GCE_SWEEP_SCOPE], where: `Google Cloud (gcloud configuration ${gcpConfiguration})` }] : []),
            ...(azureSubscription ? [{ id: 'azure' as const, cloud: azureHygieneCloud(boxes.azureClients, boxes.keyDirectory), regions: [AZURE_SWEEP_SCOPE], where: `Azure (subscription ${azureSubscription})` }] : []),
          ];
        },
        ownerId: boxes.ownerId,
        keyDirectory: boxes.keyDirectory,
        boxStore,
        endedFleetIds: async () => (await lineages.list()).flatMap((record) => (record.ended && record.fleetId ? [record.fleetId] : [])),
        logger: logger.child('sweep'),
      });
    },
    'spotbox.forwardPort': (argument, port) => forwardPortCommand(boxes.attach.commandDeps, argument, port),
    'spotbox.stopPortForward': (argument) => stopPortForwardCommand(boxes.attach.forwards, argument),
    'spotbox.copySshCommand': (argument) => copySshCommand(boxes.attach.commandDeps, argument),
    'spotbox.checkpointNow': async (argument) => (await import('./checkpoint/save')).checkpointNowCommand(checkpointDeps, argument),
    'spotbox.restoreCheckpoint': async (argument) => (await import('./checkpoint/restore')).restoreCheckpointCommand(checkpointDeps, argument),
    'spotbox.showRecoveryTimeline': (argument) => showRecoveryTimelineCommand({ lineages, showTimeline: services.recovery.showTimeline, selfRestoreRecordOf: services.recovery.selfRestoreRecordOf }, argument),
    'spotbox.rehearseInterruption': async (argument) =>
      (await import('./interruption/rehearse')).rehearseInterruptionCommand({ boxStore, clients: boxes.clients, settings, lineages, logger: logger.child('recovery') }, argument),
    'spotbox.chooseAwsProfile': async () =>
      (await import('./awsProfile/choose')).chooseAwsProfileCommand({
        clientsFor: (profile) => new Ec2ClientPool({ ...(profile ? { profile } : {}) }),
        region: () => settings.settings.regions[0] ?? 'us-east-1',
      }),
    'spotbox.chooseGcpProject': async () => (await import('./gcpProject/choose')).chooseGcpProjectCommand(),
    'spotbox.chooseAzureSubscription': async () => (await import('./azureSubscription/choose')).chooseAzureSubscriptionCommand(),
  };
}
