import { CLOUD_FACTS } from '../cloud/clouds';
import { SpotboxError } from '../errors';
import type { Client } from 'ssh2';
import type { AgentTuning } from '../agent/agentConfig';
import { agentForProfile, newLineageId } from '../agent/agentForProfile';
import { agentInstallFiles } from '../agent/bootTools';
import { uploadBootTools } from '../checkpoint/bootToolsUpload';
import { readBootstrapSource, readSessionTools } from '../session/sessionTools';
import type { BoxEndpoint } from '../attach/boxEndpoint';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import type { Box } from '../boxes/box';
import type { Logger } from '../logging/logger';
import type { RegionPools } from '../profile/expandPools';
import { resolveImage, type ResolvedImage } from '../profile/imageAlias';
import { replacementEngineOf, type SpotboxProfile } from '../profile/profileTypes';
import { toLaunchRequest } from '../profile/toLaunchRequest';
import { lineageFromLaunch } from '../recovery/lineageFromLaunch';
import type { LineageRecord } from '../recovery/recoveryTypes';
import type { Clock } from '../time/clock';
import { launchBox } from '../launch/launcher';
import type { LaunchedBox, LaunchRequest } from '../launch/launchTypes';
import type { ProvisionOptions, ProvisionResult } from './provisionBox';
import { rollBackAfter, RollbackJournal } from '../launch/rollbackJournal';
import { prepareRunningBox } from './prepareRunningBox';

/** The pipeline's steps, in the order they run (progress names them). */
export const PROFILE_LAUNCH_STEPS = ['image', 'agent', 'launch', 'lineage', 'running', 'endpoint', 'provision'] as const;
export type ProfileLaunchStep = (typeof PROFILE_LAUNCH_STEPS)[number];

/** Where one launch goes and from whom: what the caller found out or asked before anything is created. */
export interface ProfileLaunchTarget {
  /** One region of the profile with its instance types (expandPools). */
  readonly pools: RegionPools;
  /** SSH is opened to this /32 only. */
  readonly callerCidr: string;
  readonly keyDirectory: string;
  /** This installation's owner id (spotbox:owner). */
  readonly owner: string;
  /** The local workspace to upload (nothing is uploaded without one, unless the profile clones). */
  readonly localRoot?: string;
  /** The launched pool's interruption rate, for checkpoint.intervalMinutes "auto" (autoInterval.ts). */
  readonly interruptionsPerHour?: number;
  readonly agentTuning?: AgentTuning;
}

/** What the pipeline reaches the world through; the editor, the sandbox rigs and the benches each pass theirs. */
export interface ProfileLaunchPorts {
  readonly clients: Ec2ClientPool;
  /** resources/agent/spotbox_agent.py; read only when the profile has a checkpoint block. */
  readonly agentSource: () => Promise<string>;
  readonly lineages: { put(record: LineageRecord): Promise<LineageRecord> };
  /** The boxes as listed now: the editor's tree refresh (so the tree shows the new box), or EC2 itself. */
  readonly listBoxes: () => Promise<readonly Box[]>;
  /** The box's pinned endpoint; the editor also points the box's SSH alias at it. */
  readonly endpointOf: (box: Box, options: { signal?: AbortSignal; onWaiting: (message: string) => void }) => Promise<BoxEndpoint>;
  /** Defaults to connectEndpoint with retries (sshd comes up after the console prints its keys). */
  readonly connect?: (endpoint: BoxEndpoint, signal: AbortSignal | undefined) => Promise<Client>;
  /** Defaults to provisionBox. */
  readonly provision?: (client: Client, profile: SpotboxProfile, options: ProvisionOptions) => Promise<ProvisionResult>;
  /** The AWS profile for S3 (spotbox.awsProfile): the agent and the session tools go to the checkpoint bucket. */
  readonly s3Profile?: () => string | undefined;
  /** Defaults to uploadBootTools (S3): puts the agent and the session tools in the bucket; returns the undo. */
  readonly uploadTools?: typeof uploadBootTools;
  /** Defaults to resources/agent/spotbox_bootstrap.py, which the user data carries. */
  readonly bootstrapSource?: () => Promise<string>;
  /** Defaults to resources/agent's session runner and trainer helper (sessionTools.ts). */
  readonly sessionTools?: () => Promise<ReadonlyArray<{ readonly name: string; readonly remote: string; readonly content: Buffer }>>;
}

export interface ProfileLaunchOptions {
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly onProgress?: (step: ProfileLaunchStep, message: string) => void;
  /** How often the box list is read while the box boots. */
  readonly pollMs?: number;
  readonly runningTimeoutMs?: number;
  readonly clock?: Clock;
}

export interface ProfileLaunchResult {
  readonly image: ResolvedImage;
  readonly request: LaunchRequest;
  readonly launched: LaunchedBox;
  /** Written when the profile has a checkpoint block: what a replacement needs. */
  readonly lineage?: LineageRecord;
  readonly box: Box;
  readonly provisioned: ProvisionResult;
}


/**
 * Launch a Spot Box from a profile, the one way every caller does it (the Launch command, the
 * sandbox rigs, the benches): image -> agent -> fleet -> lineage -> running -> endpoint -> provision.
 * Until the lineage is written a failure or cancel removes everything the launch created (bad input
 * leaves nothing half-made behind). From then on the box is usable and is kept: a failure says so
 * (BoxKeptError) and the SSH connection is closed.
 */
export async function launchFromProfile(profile: SpotboxProfile, target: ProfileLaunchTarget, ports: ProfileLaunchPorts, options: ProfileLaunchOptions): Promise<ProfileLaunchResult> {
  const { signal, logger } = options;
  if (profile.cloud !== 'aws') {
    // Checked before anything is created: every step below speaks EC2.
    throw new SpotboxError(`This launch path speaks EC2, and the profile "${profile.name}" is for ${CLOUD_FACTS[profile.cloud].label}: set "cloud": "aws" or use a profile for AWS.`);
  }
  const region = target.pools.region;
  const report = (step: ProfileLaunchStep, message: string): void => options.onProgress?.(step, message);
  const journal = new RollbackJournal(logger);
  let image: ResolvedImage;
  let request: LaunchRequest;
  let launched: LaunchedBox;
  let lineage: LineageRecord | undefined;
  try {
    report('image', `resolving the image ${profile.image}`);
    image = await resolveImage(ports.clients, region, profile.image, signal);

    // Without a checkpoint block there is nothing for an agent to save: no agent, no lineage.
    if (profile.checkpoint) {
      report('agent', 'preparing the Spotbox agent');
    }
    // The user data carries a bootstrap that installs the agent and the session tools from the
    // bucket, pinned by sha256; a fleet lineage's boxes also restore themselves at boot.
    const fleet = replacementEngineOf(profile) === 'fleet';
    const lineageId = newLineageId(profile.name);
    const tools = profile.checkpoint
      ? agentInstallFiles(profile.checkpoint, lineageId, await ports.agentSource(), await (ports.sessionTools ?? readSessionTools)())
      : undefined;
    const agent = profile.checkpoint
      ? agentForProfile(profile, region, await (ports.bootstrapSource ?? readBootstrapSource)(), {
          lineage: lineageId,
          ...(target.interruptionsPerHour !== undefined ? { interruptionsPerHour: target.interruptionsPerHour } : {}),
          ...(target.agentTuning ? { tuning: target.agentTuning } : {}),
          ...(tools ? { install: tools } : {}),
          restoreAtBoot: fleet,
        })
      : undefined;
    const base = toLaunchRequest(profile, { pools: target.pools, imageId: image.imageId, callerCidr: target.callerCidr, keyDirectory: target.keyDirectory, owner: target.owner, ...(agent ? { userData: agent.userData } : {}) });
    request = { ...base, ...(agent ? { lineage: agent.lineage } : {}), ...(fleet && agent ? { fleetType: 'maintain' as const } : {}) };

    launched = await launchBox(ports.clients, request, { logger, journal, ...(signal ? { signal } : {}), onProgress: (progress) => report('launch', progress.message) });
    if (launched.fleetErrors.length > 0) {
      logger.warn(`pools the fleet could not use: ${launched.fleetErrors.join('; ')}`);
    }

    if (profile.checkpoint && tools) {
      // After the launch, so that the requests expect the bucket to be the account EC2 named; the
      // box's bootstrap waits for them. A bucket that cannot take them fails the launch here, with
      // everything it created removed, rather than at the first checkpoint.
      report('lineage', 'storing the agent and the session tools in the checkpoint bucket');
      const profileName = ports.s3Profile?.();
      const removeTools = await (ports.uploadTools ?? uploadBootTools)(profile.checkpoint, tools, { region, ...(profileName ? { profile: profileName } : {}), ...(launched.accountId ? { expectedBucketOwner: launched.accountId } : {}) });
      journal.record('the agent and the session tools in the checkpoint bucket', removeTools);
    }
    if (agent) {
      report('lineage', `recording the lineage ${agent.lineage}`);
      lineage = await ports.lineages.put(lineageFromLaunch(profile, { ...request, lineage: agent.lineage }, launched, agent.checkpointDir));
    }
  } catch (error) {
    throw await rollBackAfter(journal, error, () => report('launch', 'Removing what this launch created'));
  }

  // The box exists and its lineage is written: from here a failure is reported, never rolled back.
  const { box, provisioned } = await prepareRunningBox(
    { cloud: 'aws', profile, listedId: launched.instanceId, keptId: launched.instanceId, ...(target.localRoot !== undefined ? { localRoot: target.localRoot } : {}) },
    {
      listBoxes: ports.listBoxes,
      endpointOf: (listed, onWaiting) => ports.endpointOf(listed, { ...(signal ? { signal } : {}), onWaiting }),
      ...(ports.connect ? { connect: ports.connect } : {}),
      ...(ports.provision ? { provision: ports.provision } : {}),
    },
    {
      report,
      ...(signal ? { signal } : {}),
      waiting: {
        ...(options.pollMs !== undefined ? { intervalMs: options.pollMs } : {}),
        ...(options.runningTimeoutMs !== undefined ? { timeoutMs: options.runningTimeoutMs } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      },
    },
  );
  logger.info(`provisioned ${launched.instanceId}: workspace ${provisioned.workspace}${provisioned.remoteDir ? ` at ${provisioned.remoteDir}` : ''}, session ${provisioned.session}`);
  return { image, request, launched, ...(lineage ? { lineage } : {}), box, provisioned };
}
