import { abortableSleep } from '../network/fetchRetry';
import { SpotboxError } from '../errors';
import { ArmApiError } from './armError';
import { STORAGE_BLOB_DATA_CONTRIBUTOR } from './armRoleAssignments';
import type { RoleAssignment } from './armTypes';
import type { AzureClients } from './azureClients';
import type { CheckpointAccount } from './azureCheckpointAccount';

/** The resource group tag naming the role assignment a box's identity holds: the box's Terminate deletes it (it outlives the identity). */
export const ROLE_ASSIGNMENT_TAG = 'spotbox:role-assignment';

/**
 * Lets the box's managed identity write checkpoints: "Storage Blob Data Contributor" on the one
 * storage account, nothing wider. A just-made identity may not have reached Entra ID yet
 * (PrincipalNotFound), so that answer is retried for a while, as Microsoft advises.
 */
export async function grantCheckpointRole(clients: AzureClients, account: CheckpointAccount, principalId: string, signal?: AbortSignal, retryForMs = 120_000): Promise<RoleAssignment> {
  const deadline = Date.now() + retryForMs;
  for (;;) {
    try {
      return await clients.roleAssignments.grant(account.accountId, principalId, STORAGE_BLOB_DATA_CONTRIBUTOR, signal);
    } catch (error) {
      if (error instanceof ArmApiError && error.code === 'PrincipalNotFound' && Date.now() < deadline) {
        await abortableSleep(3_000, signal);
        continue;
      }
      if (error instanceof ArmApiError && (error.status === 403 || error.code === 'AuthorizationFailed')) {
        throw new SpotboxError(
          `Azure refused to let the box write checkpoints to ${account.account}: granting a role needs Owner or User Access Administrator on the storage account (${error.message}).`,
          `Ask an owner of ${account.account} for "User Access Administrator" on it, or launch without "checkpoint".`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
