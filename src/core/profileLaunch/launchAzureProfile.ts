import type { Client } from 'ssh2';
import type { BoxEndpoint } from '../attach/boxEndpoint';
import { connectEndpoint } from '../attach/connectEndpoint';
import { AzureBoxSource } from '../azure/azureBoxSource';
import type { AzureClients } from '../azure/azureClients';
import { resolveAzureEndpoint } from '../azure/azureEndpoint';
import { launchAzureBox, type LaunchedAzureBox } from '../azure/azureLaunch';
import { parseImageUrn } from '../azure/azureVmRequest';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { RollbackJournal, rollBackAfter } from '../launch/rollbackJournal';
import type { Logger } from '../logging/logger';
import type { SpotboxProfile } from '../profile/profileTypes';
import { boxKeptError } from './boxKeptError';
import { provisionBox, type ProvisionResult } from './provisionBox';
import { waitUntilListedRunning } from './waitUntilListedRunning';

export interface AzureProfileLaunchTarget {
  readonly callerIp: string;
  readonly keyDirectory: string;
  readonly owner: string;
  readonly localRoot?: string;
}

export interface AzureProfileLaunchPorts {
  readonly azure: AzureClients;
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
  readonly box: Box;
  readonly endpoint: BoxEndpoint;
  readonly provisioned: ProvisionResult;
}

/**
 * Launch a Spot box on Azure from a profile, the one way every caller does it: launch (keys, the
 * box's resource group with its network, the Spot VM in the first location and size with capacity)
 * -> running -> endpoint pinned to the host key the launch made -> workspace. A failure or cancel
 * before the box runs deletes everything the launch created; once it runs the box is kept and the
 * failure says so, as on the other clouds.
 */
export async function launchAzureProfile(profile: SpotboxProfile, target: AzureProfileLaunchTarget, ports: AzureProfileLaunchPorts, options: AzureProfileLaunchOptions): Promise<AzureProfileLaunchResult> {
  const { logger, signal } = options;
  const report = (message: string): void => options.onProgress?.(message);
  if (profile.cloud !== 'azure') throw new SpotboxError(`The profile "${profile.name}" is not for Azure.`, 'Set "cloud": "azure", or launch it on its own cloud.');
  if (!profile.instanceTypes) {
    throw new SpotboxError(`On Azure the profile "${profile.name}" must name its VM sizes; a GPU need is expanded on AWS only for now.`, 'Use "instanceTypes": ["Standard_NC4as_T4_v3"] (T4) or ["Standard_NC24ads_A100_v4"] (A100) instead of "gpu" and "gpus".');
  }
  if (profile.checkpoint || profile.session) {
    throw new SpotboxError(`Checkpoints and sessions on Azure are not supported by this version yet, and the profile "${profile.name}" asks for them; nothing was created.`, 'Remove "checkpoint" and "session" from .spotbox/profile.json to launch a plain Azure Spot box, or launch this profile on AWS or Google Cloud.');
  }
  const image = parseImageUrn(profile.image);
  if (!image) throw new SpotboxError(`"${profile.image}" is not an Azure image URN.`, 'Use publisher:offer:sku:version, e.g. "microsoft-dsvm:ubuntu-hpc:2204:latest".');
  const journal = new RollbackJournal(logger);
  let launched: LaunchedAzureBox;
  try {
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
      },
      { logger, journal, ...(signal ? { signal } : {}), onProgress: report },
    );
  } catch (error) {
    throw await rollBackAfter(journal, error, () => report('Removing what this launch created'));
  }

  const listBoxes = ports.listBoxes ?? (() => new AzureBoxSource(async () => ports.azure, ports.azure.subscriptionId).listBoxes());
  let client: Client | undefined;
  try {
    report('waiting for the box to boot');
    const box = await waitUntilListedRunning(listBoxes, launched.vm.id, signal ? { signal } : {});
    const endpoint = await resolveAzureEndpoint(ports.azure, box, { keyDirectory: target.keyDirectory, defaultUser: profile.sshUser, ...(signal ? { signal } : {}) });
    client = await connectEndpoint(endpoint, { retries: 8, ...(signal ? { signal } : {}) });
    report('preparing the box');
    const provisioned = await provisionBox(client, profile, { ...(target.localRoot !== undefined ? { localRoot: target.localRoot } : {}), ...(signal ? { signal } : {}), onMessage: report });
    logger.info(`provisioned ${launched.name} in ${launched.location}: workspace ${provisioned.workspace}${provisioned.remoteDir ? ` at ${provisioned.remoteDir}` : ''}`);
    return { launched, box, endpoint, provisioned };
  } catch (error) {
    throw boxKeptError(profile.name, { instanceId: launched.name }, error, signal?.aborted ?? false);
  } finally {
    client?.end();
  }
}
