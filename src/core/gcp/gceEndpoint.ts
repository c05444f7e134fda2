import * as fs from 'node:fs';
import { endpointFor, type BoxEndpoint, type ResolveEndpointOptions } from '../attach/boxEndpoint';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { privateKeyPathFor } from '../ssh/privateKeyFile';
import { done, notYet, pollUntil } from '../time/poll';
import type { ComputeClient } from './computeClient';
import { toGceError } from './gceErrors';
import { readBoxHostKeys } from './gceHostKeys';

/**
 * How to reach a Compute Engine box: its external address, the login user and key of its launch,
 * and its host keys from Google (guest attributes, else the serial port), pinned before the first
 * connection. Without them there is no connection: never trust on first use.
 */
export async function resolveGceEndpoint(compute: ComputeClient, box: Box, options: ResolveEndpointOptions): Promise<BoxEndpoint> {
  if (box.state !== 'running' && box.state !== 'interrupting') {
    throw new SpotboxError(`${box.name} is ${box.state}; only a running box can be attached.`, box.state === 'pending' ? 'Wait until the tree shows it running.' : 'Launch a new box.');
  }
  if (!box.publicIp) {
    throw new SpotboxError(`${box.name} (${box.instanceId}) has no external address.`, 'Spotbox launches its boxes with one; launch a new box with Spotbox: Launch a Spot Box.');
  }
  // The launch names the key after itself (gceLaunch.ts): the instance, or the group that keeps it.
  const keyFile = `spotbox-${box.keyName ?? box.instanceId}`;
  const privateKeyPath = privateKeyPathFor(options.keyDirectory, keyFile);
  if (!fs.existsSync(privateKeyPath)) {
    throw new SpotboxError(
      `The private key of ${box.name} is not on this machine: it was launched from another computer or the key was deleted.`,
      `Copy ${keyFile}.pem into ${options.keyDirectory} (mode 0600), or launch a new box from here.`,
    );
  }
  const hostKeys = await pollUntil(
    async ({ attempt }) => {
      let found;
      try {
        found = await readBoxHostKeys(compute, box.availabilityZone, box.instanceId, options.signal);
      } catch (error) {
        options.signal?.throwIfAborted();
        throw toGceError(error, { action: `Reading the host keys of ${box.instanceId}`, project: compute.project, zone: box.availabilityZone });
      }
      if (found) return done(found.keys);
      if (attempt === 0) options.onWaiting?.("waiting for the box's guest agent to publish its SSH host keys");
      return notYet('no host keys in the guest attributes or on the serial port yet');
    },
    {
      describe: `the SSH host keys of ${box.instanceId}`,
      intervalMs: options.pollMs ?? 2_000,
      timeoutMs: options.consoleTimeoutMs ?? 240_000,
      timeoutError: () =>
        new SpotboxError(
          `${box.name} has not published its SSH host keys (guest attributes or serial port), so its identity cannot be verified.`,
          'A new box publishes them within a minute or two of boot; try again shortly. Spotbox never trusts an unverified host key.',
        ),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    },
  );
  return endpointFor(box, { host: box.publicIp, privateKeyPath, hostKeys, defaultUser: options.defaultUser });
}
