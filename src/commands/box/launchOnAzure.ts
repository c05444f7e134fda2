import * as vscode from 'vscode';
import type { AzureClients } from '../../core/azure/azureClients';
import type { BoxStore } from '../../core/boxes/boxStore';
import { CLOUD_FACTS } from '../../core/cloud/clouds';
import { SpotboxError, UserCancelledError } from '../../core/errors';
import { preflightPriceNotes, preflightSpotPrice } from '../../core/launch/preflightSpotPrice';
import type { Logger } from '../../core/logging/logger';
import type { PriceService } from '../../core/pricing/priceService';
import { replacementEngineOf, type SpotboxProfile } from '../../core/profile/profileTypes';
import { withCancellableLaunch } from './cancellableLaunch';

export interface AzureLaunchDeps {
  readonly boxStore: BoxStore;
  readonly azureClients: () => Promise<AzureClients>;
  readonly keyDirectory: string;
  readonly ownerId: string;
  readonly logger: Logger;
  readonly callerIp: () => Promise<string>;
  readonly workspaceRoot: () => string | undefined;
  /** The calculator's price service: the Spot price of each size and region the profile names, for the pre-flight. */
  readonly priceService: () => Promise<PriceService>;
  /** The assembled agent, for a profile with a checkpoint block. */
  readonly agentSource: () => Promise<string>;
}

/** Where a live Azure price comes from, as the pre-flight names it. */
const RETAIL_PRICES = 'Retail Prices API';

interface AzureChoice extends vscode.QuickPickItem {
  readonly launch?: boolean;
}

/**
 * The Launch command for an Azure profile: a pre-flight (the profile's cheapest Spot price, live or
 * the catalog's, with its source and age, against its guard; what will be created), then the launch
 * with progress and cancel (launchAzureProfile: everything deleted until the box runs).
 */
export async function launchOnAzure(deps: AzureLaunchDeps, profile: SpotboxProfile): Promise<void> {
  const clients = await deps.azureClients();
  const sizes = profile.instanceTypes ?? [];
  const callerIp = await deps.callerIp();
  // The calculator's prices: live from the Retail Prices API where it answers, the catalog's otherwise.
  const { quotes, notes } = await (await deps.priceService()).otherCloudSpotPrices('azure', sizes, profile.regions);
  const cheapest = quotes[0];
  const now = Date.now();
  if (cheapest && cheapest.spot.usdPerHour > profile.maxPrice) {
    throw new SpotboxError(
      `Spot ${preflightSpotPrice(cheapest, RETAIL_PRICES, now)} is the cheapest of the profile, above its $${profile.maxPrice}/h guard; nothing was created.`,
      'Raise maxPrice in .spotbox/profile.json or add cheaper VM sizes or regions.',
    );
  }
  const price = cheapest ? `from ${preflightSpotPrice(cheapest, RETAIL_PRICES, now)}` : 'no Spot price known for these sizes';
  const priceNotes = preflightPriceNotes(notes, CLOUD_FACTS.azure.label, profile.regions).map((note) => `$(warning) ${note} `).join('');
  const picked = await vscode.window.showQuickPick<AzureChoice>(
    [
      {
        label: `$(rocket) Launch "${profile.name}" on Azure (subscription ${clients.subscriptionId})`,
        description: `${price} · guard $${profile.maxPrice}/h`,
        detail: `${priceNotes}Creates an SSH key, a host key pinned from the start, and per region a resource group of its own with an NSG (SSH from ${callerIp}/32 only), a network, a public IP and a Spot VM (maxPrice $${profile.maxPrice}/h, deleted when evicted, ${profile.volumeGb} GB disk), trying ${sizes.join(', ')} in ${profile.regions.join(', ')} in order until one has capacity. Azure gives a Spot VM at least 30 s of notice.${checkpointNote(profile)}`,
        launch: true,
      },
      { label: '$(close) Cancel' },
    ],
    { title: `Launch ${profile.name}: pre-flight`, placeHolder: 'Nothing is created until you choose', matchOnDetail: true, ignoreFocusOut: true },
  );
  if (!picked?.launch) throw new UserCancelledError();
  const { launchAzureProfile } = await import('../../core/profileLaunch/launchAzureProfile');
  const root = deps.workspaceRoot();
  const result = await withCancellableLaunch(`Launching ${profile.name} on Azure`, profile.name, (report, signal) =>
    launchAzureProfile(
      profile,
      { callerIp, keyDirectory: deps.keyDirectory, owner: deps.ownerId, ...(root !== undefined ? { localRoot: root } : {}) },
      // Through the store, so the tree shows the new box as it boots.
      { azure: clients, agentSource: deps.agentSource, listBoxes: () => deps.boxStore.refresh() },
      { logger: deps.logger, signal, onProgress: report },
    ),
  );
  await deps.boxStore.refresh().catch(() => undefined);
  const skipped = result.launched.skipped.length > 0 ? ` No capacity first for ${result.launched.skipped.map((entry) => `${entry.vmSize} in ${entry.location}`).join(', ')}.` : '';
  void vscode.window.showInformationMessage(`Launched ${profile.name}: ${result.launched.name} (${result.launched.vmSize}, spot) in ${result.launched.location}.${skipped}`);
}

/** What an eviction does to this profile's work on Azure, said before anything is created. */
function checkpointNote(profile: SpotboxProfile): string {
  if (!profile.checkpoint) return ' Without a "checkpoint" block, work on the box is lost when it is evicted.';
  const saved = ` On an eviction the agent checkpoints ${profile.checkpoint.directory ?? '~/checkpoints'} to the container ${profile.checkpoint.bucket}/${profile.checkpoint.prefix} (the box's managed identity gets Storage Blob Data Contributor on that account only) and then lets Azure go ahead`;
  if (replacementEngineOf(profile) === 'fleet') {
    return `${saved}; the box is a Spot scale set of one that Azure restores when it has capacity again, and the new box restores the checkpoint and restarts the session by itself, with or without this window.`;
  }
  return `${saved}; without a "session" block nothing restarts by itself.`;
}
