import * as vscode from 'vscode';
import { Ec2ClientPool } from '../core/aws/ec2ClientPool';
import { Ec2SpotPrices } from '../core/aws/ec2SpotPrices';
import { Ec2BoxSource } from '../core/boxes/ec2BoxSource';
import type { Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import { terminateBox } from '../core/boxes/terminateBox';
import type { Logger } from '../core/logging/logger';
import type { Clock } from '../core/time/clock';
import { registerSpotboxCommand, type CommandContext } from '../commands/registerCommand';
import { terminateBoxCommand } from '../commands/terminateBox';
import type { SettingsReader } from '../config/settingsReader';
import { registerBoxesView } from '../views/registerBoxesView';
import type { PricingContext } from '../core/calculator/pricingContext';
import { registerAttach, type AttachFeature } from '../attach/registerAttach';
import { readAgentSource } from '../core/agent/agentSource';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { NoticeBoard } from '../core/recovery/noticeBoard';
import { CheckpointFitBoard } from '../core/throughput/checkpointFitBoard';
import { readLedgerSessions, USAGE_LEDGER_FILE } from '../core/dashboard/ledgerFile';

export interface BoxesFeature {
  readonly clients: () => Ec2ClientPool;
  readonly attach: AttachFeature;
  readonly keyDirectory: string;
  /** Removes what the box's launch created (key pair, group, template), logging what could not go. */
  readonly releaseLaunchResources: (launch: Pick<Box, 'region' | 'sessionId'>) => Promise<void>;
  /** This installation's owner id, tagged on every launch (a recovery's replacement too). */
  readonly ownerId: string;
  /** Measured checkpoint sizes and upload speed per box: the tree shows them, the recovery feature fills them. */
  readonly checkpointFits: CheckpointFitBoard;
}

/**
 * The boxes feature: the tree reconciled from EC2 (instances tagged by Spotbox in the configured
 * regions) and the commands that act on a box. Clients follow the spotbox.awsProfile setting.
 */
export function registerBoxes(
  context: vscode.ExtensionContext,
  deps: CommandContext & {
    boxStore: BoxStore;
    settings: SettingsReader;
    clock: Clock;
    logger: Logger;
    pricing: () => Promise<PricingContext>;
    sshDirectory: string;
    lineages: LineageStore;
    notices: NoticeBoard;
    /** This installation's owner id (ownership.ts): launches tag it, the sweep and release require it. */
    ownerId: string;
  },
): BoxesFeature {
  let clients = new Ec2ClientPool({ profile: deps.settings.settings.awsProfile || undefined });
  let spotPrices = new Ec2SpotPrices({ clients, requestTimeoutMs: 5_000 });
  const source = (): Ec2BoxSource => new Ec2BoxSource(clients, () => deps.settings.settings.regions, spotPrices);
  let current = source();
  // No fetch here: the AWS SDK loads on the first refresh, when the view is first shown.
  deps.boxStore.useSource(current);
  context.subscriptions.push(
    deps.settings.onDidChange(({ keys }) => {
      if (keys.includes('awsProfile')) {
        clients.dispose();
        clients = new Ec2ClientPool({ profile: deps.settings.settings.awsProfile || undefined });
        spotPrices = new Ec2SpotPrices({ clients, requestTimeoutMs: 5_000 });
      }
      if (keys.includes('awsProfile') || keys.includes('regions')) {
        current = source();
        void deps.boxStore.setSource(current).catch((error: unknown) => deps.logger.warn(`listing boxes failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    }),
    { dispose: () => clients.dispose() },
  );

  const keyDirectory = vscode.Uri.joinPath(context.globalStorageUri, 'keys').fsPath;
  const attach = registerAttach(context, { ...deps, clients: () => clients, keyDirectory, sshDirectory: deps.sshDirectory, logger: deps.logger.child('attach'), lineages: deps.lineages });
  const checkpointFits = new CheckpointFitBoard();
  context.subscriptions.push(checkpointFits);
  registerBoxesView(context, {
    boxStore: deps.boxStore,
    logger: deps.logger.child('view'),
    clock: deps.clock,
    problems: () => (deps.boxStore.sourceDescription === current.description ? current.lastProblems : []),
    forwards: attach.forwards,
    notices: deps.notices,
    checkpointFits,
  });
  const diagnostics = vscode.languages.createDiagnosticCollection('spotbox-profile');
  context.subscriptions.push(diagnostics);
  // The launch (profile, wizard, launcher, workspace upload), the sweep and the release are bundled
  // apart and loaded on first use (esbuild.mjs): every command is registered now, its code comes later.
  registerSpotboxCommand(context, deps, 'spotbox.launchBox', async () =>
    (await import('../commands/launch/launchBoxCommand')).launchBoxCommand({
      boxStore: deps.boxStore,
      settings: deps.settings,
      clients: () => clients,
      pricing: deps.pricing,
      diagnostics,
      keyDirectory,
      ownerId: deps.ownerId,
      logger: deps.logger.child('launch'),
      endpoints: attach.endpoints,
      lineages: deps.lineages,
      agentSource: () => readAgentSource(context.extensionUri.fsPath),
      usageSessions: () =>
        readLedgerSessions(vscode.Uri.joinPath(context.globalStorageUri, USAGE_LEDGER_FILE).fsPath, (reason) =>
          deps.logger.warn(`the usage ledger cannot be read (${reason}); "auto" checkpoint intervals use the Advisor rate alone`),
        ),
    }),
  );
  const releaseLaunchResources = async (launch: Pick<Box, 'region' | 'sessionId'>): Promise<void> => {
    if (!launch.sessionId) {
      return;
    }
    const { releaseSessionResources, ec2HygieneCloud } = await import('./hygieneFeature');
    const result = await releaseSessionResources(ec2HygieneCloud(clients), { region: launch.region, sessionId: launch.sessionId, ownerId: deps.ownerId, keyDirectory, logger: deps.logger.child('release') });
    for (const failure of result.failed) {
      deps.logger.warn(`could not remove ${failure.orphan.kind} ${failure.orphan.id}: ${failure.message}`);
    }
  };
  registerSpotboxCommand(context, deps, 'spotbox.terminateBox', (argument) =>
    terminateBoxCommand(
      deps.boxStore,
      async (box) => {
        // Ended on purpose: its lineage must not be "recovered" when the box disappears.
        const record = await deps.lineages.findByInstance(box.instanceId);
        if (record) {
          await deps.lineages.update(record.lineage, (current) => ({ ...current, ended: true }));
        }
        await terminateBox(clients, box);
      },
      argument,
      // The key pair, security group and template go once the instance is gone (a minute or two on AWS).
      releaseLaunchResources,
    ),
  );
  registerSpotboxCommand(context, deps, 'spotbox.chooseAwsProfile', async () =>
    (await import('../commands/chooseAwsProfile')).chooseAwsProfileCommand({ clientsFor: (profile) => new Ec2ClientPool({ ...(profile ? { profile } : {}) }), region: () => deps.settings.settings.regions[0] ?? 'us-east-1' }),
  );
  registerSpotboxCommand(context, deps, 'spotbox.sweepOrphans', async () => {
    const { sweepOrphansCommand, ec2HygieneCloud } = await import('./hygieneFeature');
    return sweepOrphansCommand({
      cloud: () => ec2HygieneCloud(clients),
      regions: () => deps.settings.settings.regions,
      ownerId: deps.ownerId,
      keyDirectory: vscode.Uri.joinPath(context.globalStorageUri, 'keys').fsPath,
      boxStore: deps.boxStore,
      logger: deps.logger.child('sweep'),
    });
  });
  return { clients: () => clients, attach, keyDirectory, releaseLaunchResources, checkpointFits, ownerId: deps.ownerId };
}
