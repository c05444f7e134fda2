import * as vscode from 'vscode';
import type { Ec2ClientPool } from '../../core/aws/ec2ClientPool';
import type { BoxStore } from '../../core/boxes/boxStore';
import type { PricingContext } from '../../core/calculator/pricingContext';
import { isCancellation, SpotboxError, UserCancelledError, userMessageOf } from '../../core/errors';
import { launchBox } from '../../core/launch/launcher';
import type { Logger } from '../../core/logging/logger';
import { callerPublicIp, parseIpv4 } from '../../core/network/callerIp';
import { expandPools, type RegionPools } from '../../core/profile/expandPools';
import { resolveImage } from '../../core/profile/imageAlias';
import type { SpotboxProfile } from '../../core/profile/profileTypes';
import { missingSessionNote } from '../../core/profile/resumeNote';
import { toLaunchRequest } from '../../core/profile/toLaunchRequest';
import { priceAgeLabel } from '../../core/pricing/priceAge';
import type { Pool } from '../../core/pricing/pricingTypes';
import type { SettingsReader } from '../../config/settingsReader';
import { loadLaunchProfile } from './profileFile';
import { confirmUntrustedProfile } from './untrustedProfile';
import { profileReachLine } from '../../core/launch/profileReach';
import { agentForProfile } from '../../core/agent/agentForProfile';
import { autoIntervalFor, type AutoInterval } from '../../core/agent/autoInterval';
import type { BoxSession } from '../../core/dashboard/usageTypes';
import { provisionBox } from '../../core/launch/provisionBox';
import { preflightEstimateLine, preflightNoticeFit } from '../../core/launch/preflightEstimate';
import type { LineageStore } from '../../core/recovery/lineageStore';
import { lineageFromLaunch } from '../../core/recovery/lineageFromLaunch';
import { connectEndpoint } from '../../core/attach/connectEndpoint';
import { SshLoginRefusedError } from '../../core/ssh/sshConnection';
import type { Box } from '../../core/boxes/box';
import type { BoxEndpoints } from '../../attach/boxEndpoints';

export interface LaunchCommandDeps {
  readonly boxStore: BoxStore;
  readonly settings: SettingsReader;
  readonly clients: () => Ec2ClientPool;
  readonly pricing: () => Promise<PricingContext>;
  readonly diagnostics: vscode.DiagnosticCollection;
  readonly keyDirectory: string;
  /** This installation's owner id (spotbox:owner): the sweep and release act only on what carries it. */
  readonly ownerId: string;
  readonly logger: Logger;
  readonly endpoints: BoxEndpoints;
  readonly lineages: LineageStore;
  /** The text of resources/agent/spotbox_agent.py, for the launch's user data. */
  readonly agentSource: () => Promise<string>;
  /** The usage ledger's sessions: checkpoint.intervalMinutes "auto" learns each pool's rate from them. */
  readonly usageSessions: () => Promise<readonly BoxSession[]>;
}

interface RegionChoice extends vscode.QuickPickItem {
  readonly pools?: RegionPools;
  readonly cheapest?: Pool;
  /** The interval "auto" resolves to on the cheapest pool, and which rate it used. */
  readonly autoInterval?: AutoInterval;
}

/** The cheapest live spot pool of each region among the profile's types: the pre-flight's figures. */
async function cheapestPools(pricing: PricingContext, profile: SpotboxProfile, regionPools: readonly RegionPools[]): Promise<Map<string, Pool>> {
  const regions = regionPools.map((pools) => pools.region);
  const scans = profile.gpu
    ? [await pricing.priceService.scanPools({ gpu: `${profile.gpus ?? 1}x ${profile.gpu}`, regions })]
    : await Promise.all((profile.instanceTypes ?? []).map((instanceType) => pricing.priceService.scanPools({ instanceType, regions })));
  const cheapest = new Map<string, Pool>();
  for (const pool of scans.flatMap((scan) => scan.pools)) {
    const allowed = regionPools.find((pools) => pools.region === pool.region)?.instanceTypes.includes(pool.instanceType);
    const current = cheapest.get(pool.region);
    if (pool.cloud === 'aws' && allowed && (!current || pool.spot.usdPerHour < current.spot.usdPerHour)) {
      cheapest.set(pool.region, pool);
    }
  }
  return cheapest;
}

async function sshCidr(settings: SettingsReader): Promise<string> {
  try {
    return `${await callerPublicIp(settings.settings.checkIpUrl, { timeoutMs: 5_000 })}/32`;
  } catch (error) {
    // Ask rather than open SSH wider than this machine.
    const typed = await vscode.window.showInputBox({
      title: 'Your public IP address',
      prompt: `${error instanceof Error ? error.message : String(error)} SSH to the box will be allowed from this address only.`,
      validateInput: (value) => (parseIpv4(value) ? undefined : 'An IPv4 address such as 203.0.113.7'),
      ignoreFocusOut: true,
    });
    if (!typed) {
      throw new UserCancelledError();
    }
    return `${parseIpv4(typed)}/32`;
  }
}

/**
 * Spotbox: Launch a Spot Box — profile, pre-flight (prices against the guard, what will be created),
 * then the launch with progress and cancel; a failed or cancelled launch removes what it created.
 */
export async function launchBoxCommand(deps: LaunchCommandDeps): Promise<void> {
  const pricing = await deps.pricing();
  const { profile, uri } = await loadLaunchProfile(deps.diagnostics, pricing);
  await confirmUntrustedProfile(profile);
  const regionPools = expandPools(profile, pricing.catalogs).filter((pools) => pools.instanceTypes.length > 0);
  if (regionPools.length === 0) {
    throw new SpotboxError(`No region of the profile "${profile.name}" offers its instance types.`, 'Add regions or change "instanceTypes" / "gpu" in .spotbox/profile.json.');
  }
  const cidr = await sshCidr(deps.settings);
  const cheapest = await cheapestPools(pricing, profile, regionPools);
  const now = Date.now();
  const resumeNote = missingSessionNote(profile);
  const reach = profileReachLine(profile);
  // Checkpoint size and upload speed measured on earlier launches of this profile.
  const measured = profile.checkpoint ? preflightNoticeFit(await deps.lineages.list().catch(() => []), profile.name) : undefined;
  const measuredNote = measured ? `${measured.fit.fits ? '' : '$(warning) '}${measured.line} ` : '';
  const usageHistory = profile.checkpoint?.intervalMinutes === 'auto' ? await deps.usageSessions() : undefined;
  const choices: RegionChoice[] = regionPools
    .map((pools): RegionChoice => {
      const pool = cheapest.get(pools.region);
      const autoInterval = pool && usageHistory ? autoIntervalFor(pool, usageHistory) : undefined;
      const price = pool ? `$${pool.spot.usdPerHour.toFixed(3)}/h ${pool.instanceType}${pool.availabilityZone ? ` in ${pool.availabilityZone}` : ''} (${priceAgeLabel(pool.spot, now)})` : 'no spot price found';
      const aboveGuard = pool !== undefined && pool.spot.usdPerHour > profile.maxPrice;
      return {
        label: `${aboveGuard ? '$(error)' : '$(rocket)'} Launch "${profile.name}" in ${pools.region}`,
        description: `from ${price} · guard $${profile.maxPrice}/h${aboveGuard ? ' — above the guard' : ''}`,
        detail: `${resumeNote ? `$(warning) ${resumeNote.summary} ` : ''}${measuredNote}${pool ? `${preflightEstimateLine(pool, profile.checkpoint !== undefined, measured?.fit)}. ` : ''}${autoInterval ? `Auto interval: ${autoInterval.explanation}. ` : ''}Creates a key pair, a security group (SSH from ${cidr} only), a launch template (IMDSv2 required, encrypted ${profile.volumeGb} GB disk) and an instant fleet over ${pools.instanceTypes.length} type(s): ${pools.instanceTypes.join(', ')} (${profile.allocationStrategy}${profile.onDemandFallback ? ', on-demand fallback' : ''}).${reach ? ` ${reach}` : ''}`,
        pools,
        cheapest: pool,
        autoInterval,
      };
    })
    .sort((a, b) => (a.cheapest?.spot.usdPerHour ?? Infinity) - (b.cheapest?.spot.usdPerHour ?? Infinity));
  const addSession: RegionChoice = { label: '$(edit) Add a "session" to .spotbox/profile.json first', detail: resumeNote?.advice };
  const picked = await vscode.window.showQuickPick<RegionChoice>([...choices, ...(resumeNote ? [addSession] : []), { label: '$(close) Cancel' }], {
    title: `Launch ${profile.name}: pre-flight`,
    placeHolder: 'Cheapest region first; nothing is created until you choose',
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  if (picked === addSession) {
    await vscode.window.showTextDocument(uri, { preview: false });
  }
  if (!picked?.pools) {
    throw new UserCancelledError();
  }
  if (picked.cheapest && picked.cheapest.spot.usdPerHour > profile.maxPrice) {
    throw new SpotboxError(
      `Spot in ${picked.pools.region} costs $${picked.cheapest.spot.usdPerHour.toFixed(3)}/h, above the profile's $${profile.maxPrice}/h guard; nothing was created.`,
      'Raise maxPrice in .spotbox/profile.json or pick another region.',
    );
  }
  const region = picked.pools.region;
  const box = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Launching ${profile.name} in ${region}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      try {
        progress.report({ message: `resolving the image ${profile.image}` });
        const image = await resolveImage(deps.clients(), region, profile.image, controller.signal);
        if (picked.autoInterval) {
          deps.logger.info(`checkpoint interval "auto": ${picked.autoInterval.explanation}`);
        }
        const agent = agentForProfile(profile, region, await deps.agentSource(), { ...(picked.autoInterval ? { interruptionsPerHour: picked.autoInterval.perHour } : {}) });
        const request = {
          ...toLaunchRequest(profile, { pools: picked.pools!, imageId: image.imageId, callerCidr: cidr, keyDirectory: deps.keyDirectory, owner: deps.ownerId, ...(agent ? { userData: agent.userData } : {}) }),
          ...(agent ? { lineage: agent.lineage } : {}),
        };
        const launched = await launchBox(deps.clients(), request, {
          logger: deps.logger,
          signal: controller.signal,
          onProgress: (step) => progress.report({ message: step.message }),
        }).catch((error: unknown) => {
          if (isCancellation(error)) {
            // launchBox has rolled back by now (a failed rollback is an error, not a cancellation).
            void vscode.window.showInformationMessage(`Launch of ${profile.name} cancelled; nothing it created was left behind.`);
          }
          throw error;
        });
        if (agent) {
          await deps.lineages.put(lineageFromLaunch(profile, { ...request, lineage: agent.lineage }, launched, agent.checkpointDir));
        }
        // The box exists from here on: a failure below is reported, never rolled back (the box is usable).
        try {
          const running = await waitUntilListedRunning(deps.boxStore, launched.instanceId, controller.signal, (message) => progress.report({ message }));
          const endpoint = await deps.endpoints.endpointOf(running, { signal: controller.signal, onWaiting: (message) => progress.report({ message }) });
          const client = await connectEndpoint(endpoint, { retries: 8, signal: controller.signal });
          try {
            const result = await provisionBox(client, profile, { localRoot: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, signal: controller.signal, onMessage: (message) => progress.report({ message }) });
            deps.logger.info(`provisioned ${launched.instanceId}: workspace ${result.workspace}${result.remoteDir ? ` at ${result.remoteDir}` : ''}, session ${result.session}`);
          } finally {
            client.end();
          }
        } catch (error) {
          if (controller.signal.aborted) {
            throw new SpotboxError(`${profile.name} (${launched.instanceId}) is running, but putting the workspace on it was cancelled.`, 'Attach to it, or terminate it from the Spot Boxes view.');
          }
          throw new SpotboxError(
            `${profile.name} (${launched.instanceId}) is running, but preparing it failed: ${userMessageOf(error)}`,
            // The box carries its login user in a tag, so a wrong one is fixed by a new launch, not by hand.
            error instanceof SshLoginRefusedError
              ? 'Terminate it from the Spot Boxes view and launch again once "sshUser" is right.'
              : 'The box is kept: attach to it and fix this by hand, or terminate it from the Spot Boxes view.',
          );
        }
        return launched;
      } finally {
        subscription.dispose();
      }
    },
  );
  if (box.fleetErrors.length > 0) {
    deps.logger.warn(`pools the fleet could not use: ${box.fleetErrors.join('; ')}`);
  }
  await deps.boxStore.refresh().catch(() => undefined);
  void vscode.window.showInformationMessage(
    `Launched ${profile.name}: ${box.instanceId} (${box.instanceType}, ${box.lifecycle}) in ${box.availabilityZone ?? region}.${box.lifecycle === 'on-demand' ? ' No spot capacity was found: this box is on-demand and costs more.' : ''}${skippedPools(box.fleetErrors)}`,
  );
}

/** The fleet's partial errors in a sentence: a pool without capacity today is worth knowing. */
function skippedPools(fleetErrors: readonly string[]): string {
  if (fleetErrors.length === 0) {
    return '';
  }
  const shown = fleetErrors.slice(0, 2).join('; ');
  return ` The fleet skipped ${fleetErrors.length} pool(s): ${shown}${fleetErrors.length > 2 ? '; …' : ''} (details in the Spotbox log).`;
}

/** The box as the tree lists it once EC2 reports it running (the endpoint needs its address and tags). */
async function waitUntilListedRunning(store: BoxStore, instanceId: string, signal: AbortSignal, report: (message: string) => void): Promise<Box> {
  report('waiting for the box to boot');
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const box = (await store.refresh()).find((candidate) => candidate.instanceId === instanceId);
    if (box?.state === 'running') {
      return box;
    }
    if (signal.aborted) {
      throw new UserCancelledError();
    }
    if (Date.now() > deadline) {
      throw new SpotboxError(`${instanceId} did not reach the running state within 10 minutes.`, 'Check the instance in the EC2 console.');
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
