import type { Client } from 'ssh2';
import type { BoxEndpoint } from '../attach/boxEndpoint';
import { connectEndpoint } from '../attach/connectEndpoint';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import type { ComputeClient } from '../gcp/computeClient';
import { GceBoxSource } from '../gcp/gceBoxSource';
import { resolveGceEndpoint } from '../gcp/gceEndpoint';
import { launchGceBox, type LaunchedGceBox } from '../gcp/gceLaunch';
import { RollbackJournal, rollBackAfter } from '../launch/rollbackJournal';
import type { Logger } from '../logging/logger';
import type { SpotboxProfile } from '../profile/profileTypes';
import { boxKeptError } from './boxKeptError';
import { provisionBox, type ProvisionResult } from './provisionBox';
import { waitUntilListedRunning } from './waitUntilListedRunning';

export interface GceProfileLaunchTarget {
  /** SSH is opened to this address only. */
  readonly callerIp: string;
  readonly keyDirectory: string;
  /** This installation's owner id (label spotbox-owner). */
  readonly owner: string;
  /** The local workspace to upload (nothing is uploaded without one, unless the profile clones). */
  readonly localRoot?: string;
}

export interface GceProfileLaunchPorts {
  readonly compute: ComputeClient;
  /** The boxes as listed now: the editor's tree refresh, or Compute Engine itself (the default). */
  readonly listBoxes?: () => Promise<readonly Box[]>;
}

export interface GceProfileLaunchOptions {
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
  readonly hostKeyTimeoutMs?: number;
}

export interface GceProfileLaunchResult {
  readonly launched: LaunchedGceBox;
  readonly box: Box;
  readonly endpoint: BoxEndpoint;
  readonly provisioned: ProvisionResult;
}

/**
 * Launch a Spot box on Google Cloud from a profile, the one way every caller does it: launch
 * (key, firewall, instance in the first zone with capacity) -> running -> pinned endpoint ->
 * workspace. A failure or cancel before the box runs removes everything the launch created; once
 * it runs the box is kept and the failure says so (as on AWS). Checkpoints and automatic resume on
 * Google Cloud are not wired yet: a profile asking for them is refused before anything is created.
 */
export async function launchGceProfile(profile: SpotboxProfile, target: GceProfileLaunchTarget, ports: GceProfileLaunchPorts, options: GceProfileLaunchOptions): Promise<GceProfileLaunchResult> {
  const { logger, signal } = options;
  const report = (message: string): void => options.onProgress?.(message);
  if (profile.cloud !== 'gcp') throw new SpotboxError(`The profile "${profile.name}" is not for Google Cloud.`, 'Set "cloud": "gcp", or launch it on its own cloud.');
  if (profile.checkpoint || profile.session) {
    throw new SpotboxError(`Checkpoints and automatic resume are not available on Google Cloud in this version, and the profile "${profile.name}" asks for them; nothing was created.`, 'Remove "checkpoint" and "session" to launch a plain Spot box on Google Cloud, or launch this profile on AWS.');
  }
  if (!profile.instanceTypes) {
    throw new SpotboxError(`On Google Cloud the profile "${profile.name}" must name its machine types; a GPU need is expanded on AWS only for now.`, 'Use "instanceTypes": ["g2-standard-4"] (L4) or ["a2-highgpu-1g"] (A100) instead of "gpu" and "gpus".');
  }
  const journal = new RollbackJournal(logger);
  let launched: LaunchedGceBox;
  try {
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
      },
      { logger, journal, ...(signal ? { signal } : {}), onProgress: report },
    );
  } catch (error) {
    throw await rollBackAfter(journal, error, () => report('Removing what this launch created'));
  }

  // The box exists: from here a failure is reported and the box kept, never rolled back.
  const listBoxes = ports.listBoxes ?? (() => new GceBoxSource(async () => ports.compute, ports.compute.project).listBoxes());
  let client: Client | undefined;
  try {
    report('waiting for the box to boot');
    const box = await waitUntilListedRunning(listBoxes, launched.name, signal ? { signal } : {});
    report('reading the host keys Google published for the box');
    const endpoint = await resolveGceEndpoint(ports.compute, box, {
      keyDirectory: target.keyDirectory,
      defaultUser: profile.sshUser,
      onWaiting: report,
      ...(options.hostKeyTimeoutMs !== undefined ? { consoleTimeoutMs: options.hostKeyTimeoutMs } : {}),
      ...(signal ? { signal } : {}),
    });
    client = await connectEndpoint(endpoint, { retries: 8, ...(signal ? { signal } : {}) });
    report('preparing the box');
    const provisioned = await provisionBox(client, profile, { ...(target.localRoot !== undefined ? { localRoot: target.localRoot } : {}), ...(signal ? { signal } : {}), onMessage: report });
    logger.info(`provisioned ${launched.name} in ${launched.zone}: workspace ${provisioned.workspace}${provisioned.remoteDir ? ` at ${provisioned.remoteDir}` : ''}`);
    return { launched, box, endpoint, provisioned };
  } catch (error) {
    throw boxKeptError(profile.name, { instanceId: launched.name }, error, signal?.aborted ?? false);
  } finally {
    client?.end();
  }
}
