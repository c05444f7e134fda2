import { promises as fs } from 'node:fs';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { privateKeyPathFor } from '../ssh/privateKeyFile';
import type { ComputeClient } from './computeClient';
import { toGceError } from './gceErrors';
import { boxFirewallName } from './gceFirewallRequest';
import { LABELS } from './gceLabels';
import { deleteBoxFirewall, deleteInstanceAndWait } from './gceSpotLaunch';

/**
 * Ends a Compute Engine box and what its launch made: the instance (waited for, so its disk is
 * gone too), its firewall rule and its private key. Only an instance labelled with this
 * installation's owner is touched: the labels are read from Google, not from the tree's copy.
 */
export async function terminateGceBox(compute: ComputeClient, box: Pick<Box, 'instanceId' | 'availabilityZone' | 'name'>, options: { ownerId: string; keyDirectory: string; signal?: AbortSignal }): Promise<void> {
  const call = options.signal ? { signal: options.signal } : {};
  const action = `Terminating ${box.name} (${box.instanceId})`;
  try {
    const instance = await compute.getInstance(box.availabilityZone, box.instanceId, call);
    if (instance) {
      const owner = instance.labels?.[LABELS.owner];
      if (instance.labels?.[LABELS.managed] !== 'true' || owner !== options.ownerId) {
        throw new SpotboxError(`${box.instanceId} is not a box this Spotbox installation launched (owner label ${owner ?? 'missing'}), so Spotbox leaves it alone.`, `Delete it yourself if it is yours: gcloud compute instances delete ${box.instanceId} --zone ${box.availabilityZone}`);
      }
      await deleteInstanceAndWait(compute, box.availabilityZone, box.instanceId, { deadline: Date.now() + 300_000, ...call });
    }
    await deleteBoxFirewall(compute, boxFirewallName(box.instanceId), { deadline: Date.now() + 120_000, ...call });
  } catch (error) {
    throw toGceError(error, { action, project: compute.project, zone: box.availabilityZone });
  }
  await fs.rm(privateKeyPathFor(options.keyDirectory, `spotbox-${box.instanceId}`), { force: true });
}
