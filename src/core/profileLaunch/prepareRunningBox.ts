/**
 * The second half of every launch, the same on each cloud: the box exists, so from here a failure
 * is reported and the box kept (BoxKeptError), never rolled back. Waits until the box list shows it
 * running, reads its pinned endpoint (each cloud's own way), connects, and puts the workspace and
 * the session on it. The SSH connection is closed whatever happens.
 */
import type { Client } from 'ssh2';
import type { BoxEndpoint } from '../attach/boxEndpoint';
import { connectEndpoint } from '../attach/connectEndpoint';
import type { Box } from '../boxes/box';
import type { CloudId } from '../cloud/clouds';
import type { SpotboxProfile } from '../profile/profileTypes';
import { boxKeptError } from './boxKeptError';
import { provisionBox, type ProvisionOptions, type ProvisionResult } from './provisionBox';
import { waitUntilListedRunning, type ListedRunningOptions } from './waitUntilListedRunning';

export type RunningBoxStep = 'running' | 'endpoint' | 'provision';

export interface RunningBoxTarget {
  readonly cloud: CloudId;
  /** What to provision: the workspace and the session it names. */
  readonly profile: SpotboxProfile;
  /** The id the box list knows the box by. */
  readonly listedId: string;
  /** The id its cloud knows it by, named when the box is kept. */
  readonly keptId: string;
  /** The local workspace to upload. */
  readonly localRoot?: string;
}

export interface RunningBoxPorts {
  readonly listBoxes: () => Promise<readonly Box[]>;
  readonly endpointOf: (box: Box, onWaiting: (message: string) => void) => Promise<BoxEndpoint>;
  /** Defaults to connectEndpoint with retries (sshd may come up after the box is listed running). */
  readonly connect?: (endpoint: BoxEndpoint, signal: AbortSignal | undefined) => Promise<Client>;
  /** Defaults to provisionBox. */
  readonly provision?: (client: Client, profile: SpotboxProfile, options: ProvisionOptions) => Promise<ProvisionResult>;
}

export interface RunningBoxOptions {
  readonly signal?: AbortSignal;
  readonly report: (step: RunningBoxStep, message: string) => void;
  readonly waiting?: Omit<ListedRunningOptions, 'signal' | 'cloud'>;
  /** What the endpoint step says it is doing. */
  readonly endpointMessage?: string;
}

export interface PreparedBox {
  readonly box: Box;
  readonly endpoint: BoxEndpoint;
  readonly provisioned: ProvisionResult;
}

const connectWithRetries = (endpoint: BoxEndpoint, signal: AbortSignal | undefined): Promise<Client> => connectEndpoint(endpoint, { retries: 8, ...(signal ? { signal } : {}) });

export async function prepareRunningBox(target: RunningBoxTarget, ports: RunningBoxPorts, options: RunningBoxOptions): Promise<PreparedBox> {
  const { signal, report } = options;
  let client: Client | undefined;
  try {
    report('running', 'waiting for the box to boot');
    const box = await waitUntilListedRunning(ports.listBoxes, target.listedId, { ...options.waiting, cloud: target.cloud, ...(signal ? { signal } : {}) });
    report('endpoint', options.endpointMessage ?? 'reading the host keys of the box');
    const endpoint = await ports.endpointOf(box, (message) => report('endpoint', message));
    client = await (ports.connect ?? connectWithRetries)(endpoint, signal);
    report('provision', 'preparing the box');
    const provisioned = await (ports.provision ?? provisionBox)(client, target.profile, {
      ...(target.localRoot !== undefined ? { localRoot: target.localRoot } : {}),
      ...(signal ? { signal } : {}),
      onMessage: (message) => report('provision', message),
    });
    return { box, endpoint, provisioned };
  } catch (error) {
    throw boxKeptError(target.profile.name, { instanceId: target.keptId }, error, signal?.aborted ?? false);
  } finally {
    client?.end();
  }
}
