import { SpotboxError } from '../errors';
import { findStorageAccount } from './armStorageAccounts';
import type { AzureClients } from './azureClients';

export interface CheckpointAccount {
  readonly account: string;
  readonly container: string;
  /** The role's scope. */
  readonly accountId: string;
  /** As ARM gives it, so a box writes where the editor's cloud says (Azure's or the sandbox's). */
  readonly blobEndpoint: string;
}

/** The profile's `account/container` checkpoint bucket, found in the subscription through ARM. */
export async function resolveCheckpointAccount(clients: AzureClients, bucket: string, signal?: AbortSignal): Promise<CheckpointAccount> {
  const [account, container] = bucket.split('/');
  const found = await findStorageAccount(clients.http, clients.subscriptionId, account, signal);
  const blobEndpoint = found?.properties.primaryEndpoints?.blob;
  if (!found || !blobEndpoint) {
    throw new SpotboxError(
      `The storage account "${account}" (checkpoint.bucket "${bucket}") is not in the Azure subscription ${clients.subscriptionId}; nothing was created.`,
      `Create it (az storage account create --name ${account} --resource-group <group>) and its container ${container}, or name one you have in .spotbox/profile.json.`,
    );
  }
  return { account, container, accountId: found.id, blobEndpoint };
}
