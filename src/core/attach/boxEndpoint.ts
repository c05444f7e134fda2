import * as fs from 'node:fs';
import { SpotboxError } from '../errors';
import { toUserError } from '../aws/awsErrors';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import type { Box } from '../boxes/box';
import { hostKeysFromConsole, type ConsoleHostKey } from '../ssh/consoleHostKeys';
import { privateKeyPathFor } from '../ssh/privateKeyFile';
import { done, notYet, pollUntil } from '../time/poll';

/** Everything needed to reach one box over SSH with its host key pinned. */
export interface BoxEndpoint {
  readonly instanceId: string;
  readonly region: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKeyPath: string;
  /** The box's host keys as its console printed them (both key lines and fingerprints agreeing). */
  readonly hostKeys: readonly ConsoleHostKey[];
  /** As tagged at launch, e.g. `~/workspace`; resolved on the box when a window opens it. */
  readonly workspaceDir?: string;
}

export interface ResolveEndpointOptions {
  /** Where launches write private keys (`<KeyName>.pem`). */
  readonly keyDirectory: string;
  /** A login user for boxes launched before Spotbox tagged it. */
  readonly defaultUser: string;
  /** The console can lag minutes behind boot on AWS; how long to wait for the host keys. */
  readonly consoleTimeoutMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onWaiting?: (message: string) => void;
}

/**
 * Finds how to reach a box: its address and port, login user and key from the instance and its
 * tags, and its host keys from GetConsoleOutput. There is no trust-on-first-use: without console
 * keys there is no connection.
 */
export async function resolveBoxEndpoint(clients: Ec2ClientPool, box: Box, options: ResolveEndpointOptions): Promise<BoxEndpoint> {
  if (box.state !== 'running' && box.state !== 'interrupting') {
    throw new SpotboxError(`${box.name} is ${box.state}; only a running box can be attached.`, box.state === 'pending' ? 'Wait until the tree shows it running.' : 'Launch a new box.');
  }
  if (!box.publicIp) {
    throw new SpotboxError(`${box.name} (${box.instanceId}) has no public IP address.`, 'Launch boxes in a subnet that assigns public IPv4 addresses (the default VPC does).');
  }
  if (!box.keyName) {
    throw new SpotboxError(`${box.name} (${box.instanceId}) was launched without a key pair, so Spotbox cannot log in.`, 'Launch it again with Spotbox: Launch a Spot Box.');
  }
  const privateKeyPath = privateKeyPathFor(options.keyDirectory, box.keyName);
  if (!fs.existsSync(privateKeyPath)) {
    throw new SpotboxError(
      `The private key of ${box.name} (${box.keyName}) is not on this machine: it was launched from another computer or the key was deleted.`,
      `Copy ${box.keyName}.pem into ${options.keyDirectory} (mode 0600), or launch a new box from here.`,
    );
  }
  const hostKeys = await consoleHostKeys(clients, box, options);
  return endpointFor(box, { host: box.publicIp, privateKeyPath, hostKeys, defaultUser: options.defaultUser });
}

/** The endpoint of a box once its cloud has said where it is and which host keys are its own. */
export function endpointFor(box: Box, found: { readonly host: string; readonly privateKeyPath: string; readonly hostKeys: readonly ConsoleHostKey[]; readonly defaultUser: string }): BoxEndpoint {
  return {
    instanceId: box.instanceId,
    region: box.region,
    name: box.name,
    host: found.host,
    port: box.sshPort ?? 22,
    user: box.sshUser ?? found.defaultUser,
    privateKeyPath: found.privateKeyPath,
    hostKeys: found.hostKeys,
    ...(box.workspaceDir !== undefined ? { workspaceDir: box.workspaceDir } : {}),
  };
}

async function consoleHostKeys(clients: Ec2ClientPool, box: Box, options: ResolveEndpointOptions): Promise<ConsoleHostKey[]> {
  const { GetConsoleOutputCommand } = await import('@aws-sdk/client-ec2');
  const ec2 = await clients.client(box.region);
  return pollUntil(
    async ({ attempt }) => {
      let output: string | undefined;
      try {
        // Latest=true asks for the newest output rather than the snapshot taken at boot (AWS only honours it on Nitro).
        output = (await ec2.send(new GetConsoleOutputCommand({ InstanceId: box.instanceId, Latest: true }), { abortSignal: options.signal })).Output;
      } catch (error) {
        options.signal?.throwIfAborted();
        throw toUserError(error, { action: `Reading the console of ${box.instanceId}`, region: box.region });
      }
      const keys = hostKeysFromConsole(Buffer.from(output ?? '', 'base64').toString('utf8'));
      if (keys.length > 0) {
        return done(keys);
      }
      if (attempt === 0) {
        options.onWaiting?.('waiting for the host keys on the box console (can take a few minutes)');
      }
      return notYet('no host keys on the console yet');
    },
    {
      describe: `the SSH host keys on the console of ${box.instanceId}`,
      intervalMs: options.pollMs ?? 3_000,
      timeoutMs: options.consoleTimeoutMs ?? 240_000,
      timeoutError: () =>
        new SpotboxError(
          `${box.name} has not printed its SSH host keys to its console yet, so its identity cannot be verified.`,
          'The console of a new box can lag a few minutes behind its boot; try again shortly. Spotbox never trusts an unverified host key.',
        ),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
  );
}
