import { promises as fs } from 'node:fs';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { privateKeyPathFor } from '../ssh/privateKeyFile';
import type { ComputeClient } from './computeClient';
import { deleteBoxGroup, deleteBoxTemplate, groupOfInstance } from './gceBoxGroup';
import { toGceError } from './gceErrors';
import { boxFirewallName } from './gceFirewallRequest';
import { LABELS } from './gceLabels';
import { deleteBoxFirewall, deleteInstanceAndWait } from './gceSpotLaunch';

/**
 * Ends a Compute Engine box and what its launch made: the instance (waited for, so its disk is
 * gone too) or, for a box kept by a managed instance group, the group (which deletes its VM and
 * recreates none) and its template; then its firewall rule and its private key. Only an instance
 * labelled with this installation's owner is touched: the labels, and the group the VM belongs
 * to (`created-by`, written by Google), are read from Google, not from the tree's copy.
 */
export async function terminateGceBox(compute: ComputeClient, box: Pick<Box, 'instanceId' | 'availabilityZone' | 'name' | 'region' | 'keyName'>, options: { ownerId: string; keyDirectory: string; signal?: AbortSignal }): Promise<void> {
  const call = options.signal ? { signal: options.signal } : {};
  const action = `Terminating ${box.name} (${box.instanceId})`;
  let launchName = box.instanceId;
  try {
    const instance = await compute.getInstance(box.availabilityZone, box.instanceId, call);
    if (instance) {
      const owner = instance.labels?.[LABELS.owner];
      if (instance.labels?.[LABELS.managed] !== 'true' || owner !== options.ownerId) {
        throw new SpotboxError(`${box.instanceId} is not a box this Spotbox installation launched (owner label ${owner ?? 'missing'}), so Spotbox leaves it alone.`, `Delete it yourself if it is yours: gcloud compute instances delete ${box.instanceId} --zone ${box.availabilityZone}`);
      }
      const group = groupOfInstance(instance.metadata?.items);
      if (group) {
        // Deleting the VM alone would only have the group recreate it.
        launchName = group.name;
        await deleteBoxGroup(compute, group.region, group.name, { deadline: Date.now() + 300_000, ...call });
        await deleteBoxTemplate(compute, group.name, { deadline: Date.now() + 120_000, ...call });
      } else {
        await deleteInstanceAndWait(compute, box.availabilityZone, box.instanceId, { deadline: Date.now() + 300_000, ...call });
      }
    } else if (box.keyName && box.keyName !== box.instanceId) {
      // The group's VM is gone (preempted, not yet recreated): the group's template says whose it is.
      const template = await compute.getInstanceTemplate(box.keyName, call);
      const labels = template?.properties.labels ?? {};
      if (template && labels[LABELS.managed] === 'true' && labels[LABELS.owner] === options.ownerId) {
        launchName = box.keyName;
        await deleteBoxGroup(compute, box.region, box.keyName, { deadline: Date.now() + 300_000, ...call });
        await deleteBoxTemplate(compute, box.keyName, { deadline: Date.now() + 120_000, ...call });
      }
    }
    await deleteBoxFirewall(compute, boxFirewallName(launchName), { deadline: Date.now() + 120_000, ...call });
  } catch (error) {
    throw toGceError(error, { action, project: compute.project, zone: box.availabilityZone });
  }
  await fs.rm(privateKeyPathFor(options.keyDirectory, `spotbox-${launchName}`), { force: true });
}
