import type { BoxEndpoint } from '../attach/boxEndpoint';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { agentForProfile, newLineageId } from '../agent/agentForProfile';
import { agentInstallFiles, type BootToolFile } from '../agent/bootTools';
import type { GcsClient } from '../gcp/gcsClient';
import { uploadBootToolsToGcs } from '../gcp/gcsBootTools';
import { readBootstrapSource, readSessionTools } from '../session/sessionTools';
import type { ComputeClient } from '../gcp/computeClient';
import { GceBoxSource } from '../gcp/gceBoxSource';
import { resolveGceEndpoint } from '../gcp/gceEndpoint';
import { launchGceBox, type LaunchedGceBox } from '../gcp/gceLaunch';
import { RollbackJournal, rollBackAfter } from '../launch/rollbackJournal';
import type { Logger } from '../logging/logger';
import { replacementEngineOf, type SpotboxProfile } from '../profile/profileTypes';
import type { AgentTuning } from '../agent/agentConfig';
import type { ProvisionResult } from './provisionBox';
import { prepareRunningBox } from './prepareRunningBox';
import { checkpointTagValue } from '../recovery/checkpointTag';

export interface GceProfileLaunchTarget {
  /** SSH is opened to this address only. */
  readonly callerIp: string;
  readonly keyDirectory: string;
  /** This installation's owner id (label spotbox-owner). */
  readonly owner: string;
  /** The local workspace to upload (nothing is uploaded without one, unless the profile clones). */
  readonly localRoot?: string;
  /** Overrides of the agent's timings (tests and benches: a short checkpoint interval). */
  readonly agentTuning?: AgentTuning;
  /**
   * The lineage this box continues (a session moved here from another cloud, its checkpoint copied
   * into the bucket first). Its agent restores the newest checkpoint at boot and starts the session
   * itself, so the launch uploads nothing and starts no session. A new lineage when absent.
   */
  readonly lineage?: string;
}

export interface GceProfileLaunchPorts {
  readonly compute: ComputeClient;
  /** Where the agent and the session tools go for the box's bootstrap (the checkpoint bucket); needed with a checkpoint block. */
  readonly gcs?: GcsClient;
  /** The assembled agent; read only when the profile has a checkpoint block. */
  readonly agentSource?: () => Promise<string>;
  /** Defaults to resources/agent/spotbox_bootstrap.py, which the startup script carries. */
  readonly bootstrapSource?: () => Promise<string>;
  /** Defaults to resources/agent's session runner and trainer helper (sessionTools.ts). */
  readonly sessionTools?: () => Promise<ReadonlyArray<{ readonly name: string; readonly remote: string; readonly content: Buffer }>>;
  /** The boxes as listed now: the editor's tree refresh, or Compute Engine itself (the default). */
  readonly listBoxes?: () => Promise<readonly Box[]>;
}

export interface GceProfileLaunchOptions {
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
  readonly hostKeyTimeoutMs?: number;
  /** How long a region's managed instance group may try before the next region (gceGroupLaunch.ts). */
  readonly groupRegionWaitMs?: number;
}

export interface GceProfileLaunchResult {
  readonly launched: LaunchedGceBox;
  /** With a checkpoint block: the lineage the box's agent checkpoints under. */
  readonly lineage?: string;
  readonly box: Box;
  readonly endpoint: BoxEndpoint;
  readonly provisioned: ProvisionResult;
}

/**
 * Launch a Spot box on Google Cloud from a profile, the one way every caller does it: launch
 * (key, firewall, instance in the first zone with capacity) -> running -> pinned endpoint ->
 * workspace. A failure or cancel before the box runs removes everything the launch created; once
 * it runs the box is kept and the failure says so (as on AWS). With a checkpoint block the box's
 * startup script carries the agent's bootstrap, which installs the agent from the bucket (pinned by
 * sha256) and checkpoints to Cloud Storage on a preemption. The session starts in tmux as on AWS.
 * With a session and a checkpoint the box is kept by a managed instance group of one: after a
 * preemption Google recreates the VM (same name, new machine), and its agent restores the newest
 * checkpoint and restarts the session by itself, as a fleet lineage's box does on AWS.
 */
export async function launchGceProfile(profile: SpotboxProfile, target: GceProfileLaunchTarget, ports: GceProfileLaunchPorts, options: GceProfileLaunchOptions): Promise<GceProfileLaunchResult> {
  const { logger, signal } = options;
  const report = (message: string): void => options.onProgress?.(message);
  if (profile.cloud !== 'gcp') throw new SpotboxError(`The profile "${profile.name}" is not for Google Cloud.`, 'Set "cloud": "gcp", or launch it on its own cloud.');
  if (profile.checkpoint && (!ports.gcs || !ports.agentSource)) {
    throw new SpotboxError('A Google Cloud launch with checkpoints needs Cloud Storage and the agent.', 'This is a bug in Spotbox: report it with the Spotbox log.');
  }
  if (!profile.instanceTypes) {
    throw new SpotboxError(`On Google Cloud the profile "${profile.name}" must name its machine types (Launch a Spot Box expands a GPU need from the catalog before this).`, 'Use "instanceTypes": ["g2-standard-4"] (L4) or ["a2-highgpu-1g"] (A100) instead of "gpu" and "gpus".');
  }
  const journal = new RollbackJournal(logger);
  let launched: LaunchedGceBox;
  let lineage: string | undefined;
  try {
    // With a session to resume, a managed instance group of one keeps the box: it recreates a
    // preempted VM, whose agent restores the newest checkpoint and restarts the session (no editor needed).
    const group = replacementEngineOf(profile) === 'fleet';
    const agent = profile.checkpoint ? await gceAgent(profile, ports, { restoreAtBoot: group, ...(target.lineage ? { lineage: target.lineage } : {}), ...(target.agentTuning ? { tuning: target.agentTuning } : {}) }) : undefined;
    lineage = agent?.lineage;
    launched = await launchGceBox(
      ports.compute,
      {
        boxName: profile.name,
        regions: profile.regions,
        machineTypes: profile.instanceTypes,
        image: profile.image,
        diskSizeGb: profile.volumeGb,
        sshUser: profile.sshUser,
        workspaceDir: profile.workspaceDir,
        callerIp: target.callerIp,
        owner: target.owner,
        keyDirectory: target.keyDirectory,
        ...(agent ? { startupScript: agent.startupScript, lineage: agent.lineage, serviceAccount: GCS_SERVICE_ACCOUNT, checkpoint: checkpointTagValue(profile.checkpoint!) } : {}),
        group,
      },
      { logger, journal, ...(signal ? { signal } : {}), onProgress: report, ...(options.groupRegionWaitMs !== undefined ? { groupRegionWaitMs: options.groupRegionWaitMs } : {}) },
    );
    if (agent && profile.checkpoint && ports.gcs) {
      // After the launch, as on AWS: the box's bootstrap waits for them, and a bucket that refuses them
      // fails the launch here, rolled back, rather than at the first checkpoint.
      report(`storing the agent and the session tools in gs://${profile.checkpoint.bucket}`);
      journal.record('the agent and the session tools in the checkpoint bucket', await uploadBootToolsToGcs(ports.gcs, profile.checkpoint.bucket, agent.tools, signal));
    }
  } catch (error) {
    throw await rollBackAfter(journal, error, () => report('Removing what this launch created'));
  }

  // The box exists: from here a failure is reported and the box kept, never rolled back.
  const listBoxes = ports.listBoxes ?? (() => new GceBoxSource(async () => ports.compute, ports.compute.project).listBoxes());
  // A continued lineage's box restores its workspace and starts its session by itself (its boot restore).
  const { box, endpoint, provisioned } = await prepareRunningBox(
    { cloud: 'gcp', profile: target.lineage ? { ...profile, session: undefined } : profile, listedId: launched.name, keptId: launched.name, ...(target.localRoot !== undefined && !target.lineage ? { localRoot: target.localRoot } : {}) },
    {
      listBoxes,
      endpointOf: (listed, onWaiting) =>
        resolveGceEndpoint(ports.compute, listed, {
          keyDirectory: target.keyDirectory,
          defaultUser: profile.sshUser,
          onWaiting,
          ...(options.hostKeyTimeoutMs !== undefined ? { consoleTimeoutMs: options.hostKeyTimeoutMs } : {}),
          ...(signal ? { signal } : {}),
        }),
    },
    { report: (_step, message) => report(message), endpointMessage: 'reading the host keys Google published for the box', ...(signal ? { signal } : {}) },
  );
  logger.info(`provisioned ${launched.name} in ${launched.zone}: workspace ${provisioned.workspace}${provisioned.remoteDir ? ` at ${provisioned.remoteDir}` : ''}`);
  return { launched, ...(lineage ? { lineage } : {}), box, endpoint, provisioned };
}

/** The box's own identity, allowed to read and write Cloud Storage (the agent's checkpoints), nothing else. */
const GCS_SERVICE_ACCOUNT = { email: 'default', scopes: ['https://www.googleapis.com/auth/devstorage.read_write'] } as const;

/** The agent a checkpointing profile asks for on Google Cloud: its lineage, its tools for the bucket, and the startup script that installs them. */
async function gceAgent(profile: SpotboxProfile, ports: GceProfileLaunchPorts, options: { restoreAtBoot: boolean; lineage?: string; tuning?: AgentTuning }): Promise<{ lineage: string; tools: BootToolFile[]; startupScript: string }> {
  const lineage = options.lineage ?? newLineageId(profile.name);
  const tools = agentInstallFiles(profile.checkpoint!, lineage, await ports.agentSource!(), await (ports.sessionTools ?? readSessionTools)());
  // The box writes to the same Cloud Storage the editor is configured for (Google's, or the sandbox's).
  const gcsOrigin = ports.gcs?.origin;
  const agent = agentForProfile(profile, profile.regions[0], await (ports.bootstrapSource ?? readBootstrapSource)(), {
    lineage,
    install: tools,
    restoreAtBoot: options.restoreAtBoot,
    ...(options.tuning ? { tuning: options.tuning } : {}),
    ...(gcsOrigin && gcsOrigin !== GOOGLE_STORAGE_ORIGIN ? { gcsEndpoint: gcsOrigin } : {}),
  });
  return { lineage, tools, startupScript: agent!.userData };
}

const GOOGLE_STORAGE_ORIGIN = 'https://storage.googleapis.com';
