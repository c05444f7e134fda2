import type { ResourceGroup } from './armTypes';
import type { AzureClients } from './azureClients';
import { ROLE_ASSIGNMENT_TAG } from './azureCheckpointRole';

/**
 * Deletes a box's resource group and everything in it (VM or scale set, disks, NICs, IPs, network),
 * and first the role assignment its tag names: an assignment lives on the storage account, outside
 * the group, and outlives the identity it was granted to.
 */
export async function deleteBoxGroup(clients: AzureClients, group: ResourceGroup, signal?: AbortSignal): Promise<void> {
  const assignment = group.tags?.[ROLE_ASSIGNMENT_TAG];
  if (assignment) await clients.roleAssignments.delete(assignment, signal);
  await clients.resourceGroups.delete(group.name, signal);
}
