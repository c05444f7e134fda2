import type { ArmHttp } from './armHttp';
import { listAll } from './armPaging';
import type { StorageAccount } from './armTypes';

export const STORAGE_API_VERSION = '2023-05-01';

/** Finds a storage account by name in the subscription: its id (the scope a role is granted on) and its Blob endpoint, in ARM's words. */
export async function findStorageAccount(http: ArmHttp, subscriptionId: string, name: string, signal?: AbortSignal): Promise<StorageAccount | undefined> {
  const accounts = await listAll<StorageAccount>(http, { path: `subscriptions/${subscriptionId}/providers/Microsoft.Storage/storageAccounts`, apiVersion: STORAGE_API_VERSION }, signal);
  return accounts.find((account) => account.name.toLowerCase() === name.toLowerCase());
}
