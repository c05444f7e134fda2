import { promises as fs } from 'node:fs';
import { TAGS } from '../aws/spotboxTags';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { privateKeyPathFor } from '../ssh/privateKeyFile';
import { parseResourceId } from './armResourceId';
import type { AzureClients } from './azureClients';
import { deleteBoxGroup } from './azureBoxGroup';

/**
 * Ends an Azure box and everything its launch made by deleting the box's own resource group (VM or
 * scale set, disks, NICs, public IPs, network, NSG) and the checkpoint role its identity held, then
 * its private key. Only a group tagged with this
 * installation's owner is deleted: the tags are read from ARM, not from the tree's copy.
 */
export async function terminateAzureBox(clients: AzureClients, box: Pick<Box, 'instanceId' | 'name' | 'keyName'>, options: { ownerId: string; keyDirectory: string; signal?: AbortSignal }): Promise<void> {
  const id = parseResourceId(box.instanceId);
  if (!id) throw new SpotboxError(`${box.instanceId} is not an Azure VM id.`, 'Refresh the Spot Boxes view.');
  const group = await clients.resourceGroups.get(id.resourceGroup, options.signal);
  if (group) {
    const owner = group.tags?.[TAGS.owner];
    if (group.tags?.[TAGS.managed] !== 'true' || owner !== options.ownerId) {
      throw new SpotboxError(`Resource group ${id.resourceGroup} is not one this Spotbox installation created (owner tag ${owner ?? 'missing'}), so Spotbox leaves it alone.`, `Delete it yourself if it is yours: az group delete --name ${id.resourceGroup}`);
    }
    await deleteBoxGroup(clients, group, options.signal);
  }
  await fs.rm(privateKeyPathFor(options.keyDirectory, `spotbox-${box.keyName ?? id.name}`), { force: true });
}
