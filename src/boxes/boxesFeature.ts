import * as vscode from 'vscode';
import { Ec2ClientPool } from '../core/aws/ec2ClientPool';
import { Ec2SpotPrices } from '../core/aws/ec2SpotPrices';
import { Ec2BoxSource } from '../core/boxes/ec2BoxSource';
import { LazyCloudBoxSource } from '../core/boxes/lazyCloudBoxSource';
import { MultiCloudBoxSource } from '../core/boxes/multiCloudBoxSource';
import { SpotboxError } from '../core/errors';
import type { GcpClients } from '../core/gcp/gcpClients';
import type { AzureClients } from '../core/azure/azureClients';
import type { Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import type { Logger } from '../core/logging/logger';
import type { Clock } from '../core/time/clock';
import type { SettingsReader } from '../config/settingsReader';
import { registerBoxesView } from '../views/registerBoxesView';
import { createAttachFeature, type AttachFeature } from '../attach/attachFeature';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { NoticeBoard } from '../core/recovery/noticeBoard';
import { CheckpointFitBoard } from '../core/throughput/checkpointFitBoard';

export interface BoxesFeature {
  readonly clients: () => Ec2ClientPool;
  /** Google Cloud's clients over the chosen gcloud configuration, made on first use; refused while none is chosen. */
  readonly gcpClients: () => Promise<GcpClients>;
  /** Azure's clients over the chosen subscription and the Azure CLI's active cloud, made on first use; refused while none is chosen. */
  readonly azureClients: () => Promise<AzureClients>;
  readonly attach: AttachFeature;
  readonly keyDirectory: string;
  /** Removes what the box's launch created (key pair, group, template), logging what could not go. */
  readonly releaseLaunchResources: (launch: Pick<Box, 'region' | 'sessionId'>) => Promise<void>;
  /** This installation's owner id, tagged on every launch (a recovery's replacement too). */
  readonly ownerId: string;
  /** Measured checkpoint sizes and upload speed per box: the tree shows them, the recovery feature fills them. */
  readonly checkpointFits: CheckpointFitBoard;
  /** Where the launch reports the problems of .spotbox/profile.json. */
  readonly profileDiagnostics: vscode.DiagnosticCollection;
}

/**
 * The boxes feature: the tree reconciled from every connected cloud (on AWS, the instances tagged
 * by Spotbox in the configured regions), the EC2 clients (they follow the spotbox.awsProfile setting), attach, and the release of
 * a launch's leftovers. The commands that act on a box are registered with all others
 * (commandRegistry.ts) over what this returns.
 */
export function createBoxesFeature(
  context: vscode.ExtensionContext,
  deps: {
    boxStore: BoxStore;
    settings: SettingsReader;
    clock: Clock;
    logger: Logger;
    sshDirectory: string;
    lineages: LineageStore;
    notices: NoticeBoard;
    /** This installation's owner id (ownership.ts): launches tag it, the sweep and release require it. */
    ownerId: string;
    /** An Azure Spot VM's price per hour (the calculator's: live Retail Prices, else the catalog's), for the tree. */
    azureSpotPrice: (region: string, vmSize: string) => Promise<number | undefined>;
  },
): BoxesFeature {
  let clients = new Ec2ClientPool({ profile: deps.settings.settings.awsProfile || undefined });
  let spotPrices = new Ec2SpotPrices({ clients, requestTimeoutMs: 5_000 });
  // Made on first use and again when the chosen configuration changes; a failed attempt is not kept.
  let gcp: Promise<GcpClients> | undefined;
  const gcpClients = (): Promise<GcpClients> => {
    const { gcpConfiguration, gcpProject } = deps.settings.settings;
    if (!gcpConfiguration) {
      return Promise.reject(new SpotboxError('Google Cloud is not connected to Spotbox.', 'Run Spotbox: Choose GCP Project and pick a gcloud configuration.'));
    }
    gcp ??= import('../core/gcp/gcpClients').then(({ createGcpClients }) => createGcpClients({ configuration: gcpConfiguration, ...(gcpProject ? { project: gcpProject } : {}) }));
    gcp.catch(() => (gcp = undefined));
    return gcp;
  };
  let azure: Promise<AzureClients> | undefined;
  const azureClients = (): Promise<AzureClients> => {
    const { azureSubscription } = deps.settings.settings;
    if (!azureSubscription) {
      return Promise.reject(new SpotboxError('Azure is not connected to Spotbox.', 'Run Spotbox: Choose Azure Subscription.'));
    }
    azure ??= (async () => {
      const [{ createAzureClients }, { readAzureCliConfig }, { azureTokenSource }, { STORAGE_SCOPE }] = await Promise.all([import('../core/azure/azureClients'), import('../core/azure/azureCliConfig'), import('../azure/azureCredential'), import('../core/azure/azureAuth')]);
      const config = readAzureCliConfig();
      return createAzureClients({
        subscriptionId: azureSubscription,
        credential: await azureTokenSource(config, { interactive: false }),
        // The agent's files for a box's bootstrap go to Blob storage with the same sign-in.
        storageCredential: await azureTokenSource(config, { interactive: false, scope: STORAGE_SCOPE }),
      });
    })();
    azure.catch(() => (azure = undefined));
    return azure;
  };
  // Every connected cloud in one tree: AWS always, Google Cloud and Azure once the user has chosen them.
  const source = (): MultiCloudBoxSource => {
    const { gcpConfiguration, azureSubscription } = deps.settings.settings;
    const gcpSources = gcpConfiguration
      ? [new LazyCloudBoxSource('gcp', `Compute Engine (gcloud configuration ${gcpConfiguration})`, async () => (await import('../core/gcp/gceBoxes')).gceBoxSourceOver(await gcpClients()))]
      : [];
    const azureSources = azureSubscription
      ? [new LazyCloudBoxSource('azure', `Azure (subscription ${azureSubscription})`, async () => new (await import('../core/azure/azureBoxSource')).AzureBoxSource(azureClients, azureSubscription, deps.azureSpotPrice))]
      : [];
    return new MultiCloudBoxSource([new Ec2BoxSource(clients, () => deps.settings.settings.regions, spotPrices), ...gcpSources, ...azureSources]);
  };
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
      if (keys.includes('gcpConfiguration') || keys.includes('gcpProject')) {
        gcp = undefined;
      }
      if (keys.includes('azureSubscription')) {
        azure = undefined;
      }
      if (keys.includes('awsProfile') || keys.includes('regions') || keys.includes('gcpConfiguration') || keys.includes('gcpProject') || keys.includes('azureSubscription')) {
        current = source();
        void deps.boxStore.setSource(current).catch((error: unknown) => deps.logger.warn(`listing boxes failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    }),
    { dispose: () => clients.dispose() },
  );

  const keyDirectory = vscode.Uri.joinPath(context.globalStorageUri, 'keys').fsPath;
  const attach = createAttachFeature(context, { ...deps, clients: () => clients, gcpCompute: async () => (await gcpClients()).compute, azureClients, keyDirectory, sshDirectory: deps.sshDirectory, logger: deps.logger.child('attach'), lineages: deps.lineages });
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
  const profileDiagnostics = vscode.languages.createDiagnosticCollection('spotbox-profile');
  context.subscriptions.push(profileDiagnostics);
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
  return { clients: () => clients, gcpClients, azureClients, attach, keyDirectory, releaseLaunchResources, checkpointFits, ownerId: deps.ownerId, profileDiagnostics };
}
