import * as vscode from 'vscode';
import type { BoxStore } from '../../core/boxes/boxStore';
import { SpotboxError, UserCancelledError } from '../../core/errors';
import type { GcpClients } from '../../core/gcp/gcpClients';
import type { Logger } from '../../core/logging/logger';
import { replacementEngineOf, type SpotboxProfile } from '../../core/profile/profileTypes';
import { withCancellableLaunch } from './cancellableLaunch';

export interface GcpLaunchDeps {
  readonly boxStore: BoxStore;
  readonly gcpClients: () => Promise<GcpClients>;
  readonly keyDirectory: string;
  readonly ownerId: string;
  readonly logger: Logger;
  /** The caller's address, asked for when the check-IP service cannot tell. */
  readonly callerIp: () => Promise<string>;
  readonly workspaceRoot: () => string | undefined;
  /** The assembled agent, for a profile with a checkpoint block. */
  readonly agentSource: () => Promise<string>;
}

interface GcpChoice extends vscode.QuickPickItem {
  readonly launch?: boolean;
}

/**
 * The Launch command for a Google Cloud profile: a pre-flight with live Spot prices from the
 * Billing Catalog against the guard and what will be created, then the launch with progress and
 * cancel (launchGceProfile: rolled back until the box runs).
 */
export async function launchOnGcp(deps: GcpLaunchDeps, profile: SpotboxProfile): Promise<void> {
  const clients = await deps.gcpClients();
  const types = profile.instanceTypes ?? [];
  const callerIp = await deps.callerIp();
  const live = await clients.billing.prices(types, profile.regions).catch((error: unknown) => {
    deps.logger.warn(`Billing Catalog prices unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  const quotes = types.flatMap((type) => profile.regions.map((region) => ({ type, region, usd: live?.prices.get(type)?.get(region)?.spotUsdPerHour })));
  const priced = quotes.filter((quote): quote is typeof quote & { usd: number } => quote.usd !== undefined).sort((a, b) => a.usd - b.usd);
  const cheapest = priced[0];
  if (cheapest && cheapest.usd > profile.maxPrice) {
    throw new SpotboxError(
      `Spot ${cheapest.type} in ${cheapest.region} costs $${cheapest.usd.toFixed(3)}/h, the cheapest of the profile, above its $${profile.maxPrice}/h guard; nothing was created.`,
      'Raise maxPrice in .spotbox/profile.json or add cheaper machine types or regions.',
    );
  }
  const price = cheapest ? `from $${cheapest.usd.toFixed(3)}/h ${cheapest.type} in ${cheapest.region} (Billing Catalog)` : 'no live Spot price found';
  const picked = await vscode.window.showQuickPick<GcpChoice>(
    [
      {
        label: `$(rocket) Launch "${profile.name}" on Google Cloud (${clients.project})`,
        description: `${price} · guard $${profile.maxPrice}/h`,
        detail: `Creates an SSH key, a firewall rule (SSH from ${callerIp}/32 only) and a Spot VM (deleted when preempted, ${profile.volumeGb} GB disk), trying ${types.join(', ')} in the zones of ${profile.regions.join(', ')} in order until one has capacity. Google gives a Spot VM 30 s of notice.${checkpointNote(profile)}`,
        launch: true,
      },
      { label: '$(close) Cancel' },
    ],
    { title: `Launch ${profile.name}: pre-flight`, placeHolder: 'Nothing is created until you choose', matchOnDetail: true, ignoreFocusOut: true },
  );
  if (!picked?.launch) {
    throw new UserCancelledError();
  }
  const { launchGceProfile } = await import('../../core/profileLaunch/launchGceProfile');
  const root = deps.workspaceRoot();
  const result = await withCancellableLaunch(`Launching ${profile.name} on Google Cloud`, profile.name, (report, signal) =>
    launchGceProfile(
      profile,
      { callerIp, keyDirectory: deps.keyDirectory, owner: deps.ownerId, ...(root !== undefined ? { localRoot: root } : {}) },
      // Through the store, so the tree shows the new box as it boots.
      { compute: clients.compute, gcs: clients.gcs, agentSource: deps.agentSource, listBoxes: () => deps.boxStore.refresh() },
      { logger: deps.logger, signal, onProgress: report },
    ),
  );
  await deps.boxStore.refresh().catch(() => undefined);
  const skipped = result.launched.skipped.length > 0 ? ` No capacity first in ${result.launched.skipped.map((entry) => entry.placement.zone).join(', ')}.` : '';
  void vscode.window.showInformationMessage(`Launched ${profile.name}: ${result.launched.name} (${result.launched.machineType}, spot) in ${result.launched.zone}.${skipped}`);
}

/** What a preemption does to this profile's work on Google Cloud, said before anything is created. */
function checkpointNote(profile: SpotboxProfile): string {
  if (!profile.checkpoint) return ' Without a "checkpoint" block, work on the box is lost when Google takes it back.';
  const saved = ` On a preemption the agent checkpoints ${profile.checkpoint.directory ?? '~/checkpoints'} to gs://${profile.checkpoint.bucket}/${profile.checkpoint.prefix} within the 30 s`;
  if (replacementEngineOf(profile) === 'fleet') {
    return `${saved}; a managed instance group of one recreates the box where Google has capacity, and the new box restores the checkpoint and restarts the session by itself, with or without this window.`;
  }
  return `${saved}; without a "session" block in the profile nothing restarts by itself (add one to have the box recreated and the session resumed).`;
}
