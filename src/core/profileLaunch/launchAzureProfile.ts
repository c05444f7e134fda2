import type { BoxEndpoint } from '../attach/boxEndpoint';
import { AzureBoxSource } from '../azure/azureBoxSource';
import type { AzureClients } from '../azure/azureClients';
import { resolveAzureEndpoint } from '../azure/azureEndpoint';
import { launchAzureBox, type LaunchedAzureBox } from '../azure/azureLaunch';
import { parseImageUrn } from '../azure/azureVmRequest';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { RollbackJournal, rollBackAfter } from '../launch/rollbackJournal';
import type { Logger } from '../logging/logger';
import { replacementEngineOf, type SpotboxProfile } from '../profile/profileTypes';
import { agentForProfile, newLineageId } from '../agent/agentForProfile';
import type { AgentTuning } from '../agent/agentConfig';
import { agentInstallFiles, type BootToolFile } from '../agent/bootTools';
import { readBootstrapSource, readSessionTools } from '../session/sessionTools';
import { uploadBootToolsToBlob } from '../azure/blobBootTools';
import { BlobClient } from '../azure/blobClient';
import { resolveCheckpointAccount, type CheckpointAccount } from '../azure/azureCheckpointAccount';
import { grantCheckpointRole, ROLE_ASSIGNMENT_TAG } from '../azure/azureCheckpointRole';
import type { ProvisionResult } from './provisionBox';
import { prepareRunningBox } from './prepareRunningBox';
import { checkpointTagValue } from '../recovery/checkpointTag';

export interface AzureProfileLaunchTarget {
  readonly callerIp: string;
  readonly keyDirectory: string;
  readonly owner: string;
  readonly localRoot?: string;
  /** Overrides of the agent's timings (tests and benches: a short checkpoint interval). */
  readonly agentTuning?: AgentTuning;
  /**
   * The lineage this box continues (a session moved here from another cloud, its checkpoint copied
   * into the container first). Its agent restores the newest checkpoint at boot and starts the
   * session itself, so the launch uploads no workspace and starts no session. A new lineage when absent.
   */
  readonly lineage?: string;
}

export interface AzureProfileLaunchPorts {
  readonly azure: AzureClients;
  /** The assembled agent; read only when the profile has a checkpoint block. */
  readonly agentSource?: () => Promise<string>;
  /** Defaults to resources/agent/spotbox_bootstrap.py, which customData carries. */
  readonly bootstrapSource?: () => Promise<string>;
  /** Defaults to resources/agent's session runner and trainer helper (sessionTools.ts). */
  readonly sessionTools?: () => Promise<ReadonlyArray<{ readonly name: string; readonly remote: string; readonly content: Buffer }>>;
  /** The boxes as listed now: the editor's tree refresh, or ARM itself (the default). */
  readonly listBoxes?: () => Promise<readonly Box[]>;
}

export interface AzureProfileLaunchOptions {
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

export interface AzureProfileLaunchResult {
  readonly launched: LaunchedAzureBox;
  /** With a checkpoint block: the lineage the box's agent checkpoints under. */
  readonly lineage?: string;
  readonly box: Box;
  readonly endpoint: BoxEndpoint;
  readonly provisioned: ProvisionResult;
}

/**
 * Launch a Spot box on Azure from a profile, the one way every caller does it: launch (keys, the
 * box's resource group with its network, the Spot VM in the first location and size with capacity)
 * -> running -> endpoint pinned to the host key the launch made -> workspace. A failure or cancel
 * before the box runs deletes everything the launch created; once it runs the box is kept and the
 * failure says so, as on the other clouds. With a checkpoint block the box's customData carries the
 * agent's bootstrap, which installs the agent from the checkpoint container (pinned by sha256); the
 * box's managed identity may write to that storage account only. With a session too, the box is a
 * Spot scale set of one with Try & Restore: after an eviction Azure makes a new instance, whose
 * agent restores the newest checkpoint and restarts the session by itself.
 */
export async function launchAzureProfile(profile: SpotboxProfile, target: AzureProfileLaunchTarget, ports: AzureProfileLaunchPorts, options: AzureProfileLaunchOptions): Promise<AzureProfileLaunchResult> {
  const { logger, signal } = options;
  const report = (message: string): void => options.onProgress?.(message);
  if (profile.cloud !== 'azure') throw new SpotboxError(`The profile "${profile.name}" is not for Azure.`, 'Set "cloud": "azure", or launch it on its own cloud.');
  if (!profile.instanceTypes) {
    throw new SpotboxError(`On Azure the profile "${profile.name}" must name its VM sizes (Launch a Spot Box expands a GPU need from the catalog before this).`, 'Use "instanceTypes": ["Standard_NC4as_T4_v3"] (T4) or ["Standard_NC24ads_A100_v4"] (A100) instead of "gpu" and "gpus".');
  }
  if (profile.checkpoint && !ports.agentSource) throw new SpotboxError('An Azure launch with checkpoints needs the agent.', 'This is a bug in Spotbox: report it with the Spotbox log.');
  if (profile.checkpoint && profile.session && replacementEngineOf(profile) === 'editor') {
    throw new SpotboxError(`On Azure the box is restored by Azure itself (a Spot scale set of one), and the profile "${profile.name}" asks for "replacement": "editor"; nothing was created.`, 'Remove "replacement" from .spotbox/profile.json: on Azure the box comes back with no editor open.');
  }
  const image = parseImageUrn(profile.image);
  if (!image) throw new SpotboxError(`"${profile.image}" is not an Azure image URN.`, 'Use publisher:offer:sku:version, e.g. "microsoft-dsvm:ubuntu-hpc:2204:latest".');
  const journal = new RollbackJournal(logger);
  let launched: LaunchedAzureBox;
  let lineage: string | undefined;
  try {
    // With a session to resume, a Spot scale set of one keeps the box: Azure restores an evicted
    // instance, whose agent restores the newest checkpoint and restarts the session (no editor needed).
    const scaleSet = replacementEngineOf(profile) === 'fleet';
    let agent: AzureAgent | undefined;
    if (profile.checkpoint) {
      report(`finding the storage account of ${profile.checkpoint.bucket}`);
      agent = await azureAgent(profile, ports, { restoreAtBoot: scaleSet, ...(target.lineage ? { lineage: target.lineage } : {}), ...(target.agentTuning ? { tuning: target.agentTuning } : {}), ...(signal ? { signal } : {}) });
      lineage = agent.lineage;
      // Before the box: its bootstrap fetches them at once (and waits for its role to reach Blob storage).
      report(`storing the agent and the session tools in ${profile.checkpoint.bucket}`);
      const blob = new BlobClient({ endpoint: agent.account.blobEndpoint, credential: ports.azure.storageCredential });
      journal.record('the agent and the session tools in the checkpoint container', await uploadBootToolsToBlob(blob, agent.account.account, agent.account.container, agent.tools, signal));
    }
    launched = await launchAzureBox(
      ports.azure,
      {
        boxName: profile.name,
        locations: profile.regions,
        vmSizes: profile.instanceTypes,
        image,
        diskSizeGb: profile.volumeGb,
        adminUsername: profile.sshUser,
        workspaceDir: profile.workspaceDir,
        callerIp: target.callerIp,
        owner: target.owner,
        keyDirectory: target.keyDirectory,
        maxPrice: profile.maxPrice,
        ...(agent ? { firstBootScript: agent.userData, lineage: agent.lineage, scaleSet, checkpoint: checkpointTagValue(profile.checkpoint!) } : {}),
      },
      { logger, journal, ...(signal ? { signal } : {}), onProgress: report },
    );
    if (agent) {
      const principalId = launched.scaleSet?.identity?.principalId ?? launched.vm.identity?.principalId;
      if (!principalId) throw new SpotboxError(`Azure gave ${launched.name} no managed identity, so its agent could not write checkpoints.`, 'Try again; if it repeats, report it with the Spotbox log.');
      report(`letting the box write checkpoints to ${agent.account.account} (Storage Blob Data Contributor)`);
      const assignment = await grantCheckpointRole(ports.azure, agent.account, principalId, signal);
      journal.record(`role assignment ${assignment.name}`, () => ports.azure.roleAssignments.delete(assignment.id));
      // Recorded on the box's group, for Terminate Box: the assignment outlives the identity it names.
      const group = await ports.azure.resourceGroups.get(launched.resourceGroup, signal);
      await ports.azure.resourceGroups.createOrUpdate(launched.resourceGroup, launched.location, { ...(group?.tags ?? {}), [ROLE_ASSIGNMENT_TAG]: assignment.id }, signal);
    }
  } catch (error) {
    throw await rollBackAfter(journal, error, () => report('Removing what this launch created'));
  }

  // The box exists: from here a failure is reported and the box kept, never rolled back.
  const listBoxes = ports.listBoxes ?? (() => new AzureBoxSource(async () => ports.azure, ports.azure.subscriptionId).listBoxes());
  // A continued lineage's box restores its workspace and starts its session by itself (its boot restore).
  const { box, endpoint, provisioned } = await prepareRunningBox(
    { cloud: 'azure', profile: target.lineage ? { ...profile, session: undefined } : profile, listedId: launched.vm.id, keptId: launched.name, ...(target.localRoot !== undefined && !target.lineage ? { localRoot: target.localRoot } : {}) },
    {
      listBoxes,
      endpointOf: (listed) => resolveAzureEndpoint(ports.azure, listed, { keyDirectory: target.keyDirectory, defaultUser: profile.sshUser, ...(signal ? { signal } : {}) }),
    },
    { report: (_step, message) => report(message), endpointMessage: 'pinning the host key this launch made', ...(signal ? { signal } : {}) },
  );
  logger.info(`provisioned ${launched.name} in ${launched.location}: workspace ${provisioned.workspace}${provisioned.remoteDir ? ` at ${provisioned.remoteDir}` : ''}`);
  return { launched, ...(lineage ? { lineage } : {}), box, endpoint, provisioned };
}

interface AzureAgent {
  readonly lineage: string;
  readonly tools: BootToolFile[];
  readonly userData: string;
  readonly account: CheckpointAccount;
}

/** The agent a checkpointing profile asks for on Azure: its lineage, its tools for the container, and the bootstrap customData runs. */
async function azureAgent(profile: SpotboxProfile, ports: AzureProfileLaunchPorts, options: { restoreAtBoot: boolean; lineage?: string; tuning?: AgentTuning; signal?: AbortSignal }): Promise<AzureAgent> {
  const account = await resolveCheckpointAccount(ports.azure, profile.checkpoint!.bucket, options.signal);
  const lineage = options.lineage ?? newLineageId(profile.name);
  const tools = agentInstallFiles(profile.checkpoint!, lineage, await ports.agentSource!(), await (ports.sessionTools ?? readSessionTools)());
  const agent = agentForProfile(profile, profile.regions[0], await (ports.bootstrapSource ?? readBootstrapSource)(), {
    lineage,
    install: tools,
    restoreAtBoot: options.restoreAtBoot,
    blobEndpoint: account.blobEndpoint,
    ...(options.tuning ? { tuning: options.tuning } : {}),
  });
  return { lineage, tools, userData: agent!.userData, account };
}
