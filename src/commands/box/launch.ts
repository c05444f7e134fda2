import * as vscode from 'vscode';
import type { Ec2ClientPool } from '../../core/aws/ec2ClientPool';
import type { BoxStore } from '../../core/boxes/boxStore';
import type { AzureClients } from '../../core/azure/azureClients';
import type { GcpClients } from '../../core/gcp/gcpClients';
import type { PricingContext } from '../../core/calculator/pricingContext';
import { SpotboxError, UserCancelledError } from '../../core/errors';
import { launchFromProfile } from '../../core/profileLaunch/launchFromProfile';
import type { Logger } from '../../core/logging/logger';
import { callerPublicIp, parseIpv4 } from '../../core/network/callerIp';
import { expandPools, withCloudMachineTypes, type RegionPools } from '../../core/profile/expandPools';
import type { SpotboxProfile } from '../../core/profile/profileTypes';
import { missingSessionNote } from '../../core/profile/resumeNote';
import { priceAgeLabel } from '../../core/pricing/priceAge';
import type { Pool } from '../../core/pricing/pricingTypes';
import type { SettingsReader } from '../../config/settingsReader';
import { loadLaunchProfile } from '../../launch/profileFile';
import { confirmUntrustedProfile } from '../../launch/untrustedProfile';
import { profileReachLine } from '../../core/profileLaunch/profileReach';
import { autoIntervalFor, type AutoInterval } from '../../core/agent/autoInterval';
import type { BoxSession } from '../../core/dashboard/usageTypes';
import { preflightEstimateLine, preflightNoticeFit } from '../../core/launch/preflightEstimate';
import { otherCloudsLine, rankOtherCloudOptions } from '../../core/launch/crossCloudPreflight';
import { CLOUD_FACTS } from '../../core/cloud/clouds';
import type { PriceService } from '../../core/pricing/priceService';
import type { CheckpointUploads } from '../../core/throughput/checkpointUploads';
import { newestUploadsOfProfile } from '../../core/throughput/profileUploads';
import type { LineageStore } from '../../core/recovery/lineageStore';
import type { BoxEndpoints } from '../../attach/boxEndpoints';
import { withCancellableLaunch } from './cancellableLaunch';

export interface LaunchCommandDeps {
  readonly boxStore: BoxStore;
  readonly settings: SettingsReader;
  readonly clients: () => Ec2ClientPool;
  /** Google Cloud's clients, for a profile with "cloud": "gcp". */
  readonly gcpClients: () => Promise<GcpClients>;
  /** Azure's clients, for a profile with "cloud": "azure". */
  readonly azureClients: () => Promise<AzureClients>;
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
  /** spotbox.awsProfile, read at use: the agent and the session tools go to the checkpoint bucket through S3. */
  readonly s3Profile: () => string | undefined;
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
      prompt: `${(error instanceof Error ? error.message : String(error)).replace(/[.!?]?$/, '.')} SSH to the box will be allowed from this address only.`,
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
  const loaded = await loadLaunchProfile(deps.diagnostics, pricing);
  const { uri } = loaded;
  // A GPU need on Google Cloud or Azure becomes that cloud's machine types ("8x H100": a3-highgpu-8g, Standard_ND96isr_H100_v5).
  const profile = withCloudMachineTypes(loaded.profile, pricing.catalogs);
  await confirmUntrustedProfile(profile);
  if (profile.cloud === 'azure') {
    const { launchOnAzure } = await import('./launchOnAzure');
    await launchOnAzure(
      {
        boxStore: deps.boxStore,
        azureClients: deps.azureClients,
        keyDirectory: deps.keyDirectory,
        ownerId: deps.ownerId,
        logger: deps.logger,
        callerIp: async () => (await sshCidr(deps.settings)).replace(/\/32$/, ''),
        workspaceRoot,
        priceService: async () => pricing.priceService,
        agentSource: deps.agentSource,
      },
      profile,
    );
    return;
  }
  if (profile.cloud === 'gcp') {
    const { launchOnGcp } = await import('./launchOnGcp');
    await launchOnGcp(
      {
        boxStore: deps.boxStore,
        gcpClients: deps.gcpClients,
        keyDirectory: deps.keyDirectory,
        ownerId: deps.ownerId,
        logger: deps.logger,
        callerIp: async () => (await sshCidr(deps.settings)).replace(/\/32$/, ''),
        workspaceRoot,
        agentSource: deps.agentSource,
      },
      profile,
    );
    return;
  }
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
  const records = profile.checkpoint ? await deps.lineages.list().catch(() => []) : [];
  const measured = profile.checkpoint ? preflightNoticeFit(records, profile.name) : undefined;
  const otherClouds = await otherCloudsPreflight(profile, pricing.priceService, records, now);
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
        detail: `${resumeNote ? `$(warning) ${resumeNote.summary} ` : ''}${measuredNote}${pool ? `${preflightEstimateLine(pool, profile.checkpoint !== undefined, measured?.fit)}. ` : ''}${autoInterval ? `Auto interval: ${autoInterval.explanation}. ` : ''}Creates a key pair, a security group (SSH from ${cidr} only), a launch template (IMDSv2 required, encrypted ${profile.volumeGb} GB disk) and an instant fleet over ${pools.instanceTypes.length} type(s): ${pools.instanceTypes.join(', ')} (${profile.allocationStrategy}${profile.onDemandFallback ? ', on-demand fallback' : ''}).${reach ? ` ${reach}` : ''}${otherClouds ? ` ${otherClouds}` : ''}`,
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
  if (picked.autoInterval) {
    deps.logger.info(`checkpoint interval "auto": ${picked.autoInterval.explanation}`);
  }
  const { launched: box } = await withCancellableLaunch(`Launching ${profile.name} in ${region}`, profile.name, (report, signal) =>
    launchFromProfile(
      profile,
      {
        pools: picked.pools!,
        callerCidr: cidr,
        keyDirectory: deps.keyDirectory,
        owner: deps.ownerId,
        ...(workspaceRoot() !== undefined ? { localRoot: workspaceRoot() } : {}),
        ...(picked.autoInterval ? { interruptionsPerHour: picked.autoInterval.perHour } : {}),
      },
      {
        clients: deps.clients(),
        agentSource: deps.agentSource,
        s3Profile: deps.s3Profile,
        lineages: deps.lineages,
        // Through the store, so the tree shows the new box as it boots.
        listBoxes: () => deps.boxStore.refresh(),
        endpointOf: (running, options) => deps.endpoints.endpointOf(running, options),
      },
      { logger: deps.logger, signal, onProgress: (_step, message) => report(message) },
    ),
  );
  await deps.boxStore.refresh().catch(() => undefined);
  void vscode.window.showInformationMessage(
    `Launched ${profile.name}: ${box.instanceId} (${box.instanceType}, ${box.lifecycle}) in ${box.availabilityZone ?? region}.${box.lifecycle === 'on-demand' ? ' No spot capacity was found: this box is on-demand and costs more.' : ''}${skippedPools(box.fleetErrors)}`,
  );
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** The fleet's partial errors in a sentence: a pool without capacity today is worth knowing. */
function skippedPools(fleetErrors: readonly string[]): string {
  if (fleetErrors.length === 0) {
    return '';
  }
  const shown = fleetErrors.slice(0, 2).join('; ');
  return ` The fleet skipped ${fleetErrors.length} pool(s): ${shown}${fleetErrors.length > 2 ? '; …' : ''} (details in the Spotbox log).`;
}

/** The pre-flight's words on the clouds a session may move to (otherClouds), ranked by the job's expected cost with live prices; empty without any. */
async function otherCloudsPreflight(profile: SpotboxProfile, prices: PriceService, records: ReadonlyArray<{ readonly boxName: string; readonly checkpointUploads?: CheckpointUploads }>, now: number): Promise<string> {
  const targets = (profile.otherClouds ?? []).filter((target): target is typeof target & { cloud: 'gcp' | 'azure' } => target.cloud === 'gcp' || target.cloud === 'azure');
  if (targets.length === 0) return '';
  const priced = await Promise.all(targets.map(async (target) => ({ target, pools: (await prices.otherCloudPricedPools(target.cloud, target.instanceTypes, target.regions).catch(() => ({ pools: [] }))).pools })));
  const options = rankOtherCloudOptions(priced.flatMap((entry) => entry.pools), { checkpointsOnNotice: profile.checkpoint !== undefined, uploads: newestUploadsOfProfile(records, profile.name), now });
  const unpriced = priced.filter((entry) => entry.pools.length === 0).map((entry) => `${CLOUD_FACTS[entry.target.cloud].label} ${entry.target.instanceTypes.join('/')} in ${entry.target.regions.join(', ')}`);
  return otherCloudsLine(profile.cloud, options, unpriced);
}
