/**
 * Microsoft.Storage/storageAccounts as far as Spotbox reads it: the sandbox's one account, Azurite's
 * `devstoreaccount1`, as a resource of the group `spotbox-sandbox-storage` (made at start), with
 * `primaryEndpoints.blob` = Azurite's URL, so that role assignments can name it as their scope.
 * The sandbox creates no other accounts.
 */
import { ArmError } from './armError';
import { newEtag, renderResource } from './renderResource';
import type { ArmResource, ResourceStore } from './resourceStore';

export const STORAGE_ACCOUNT_TYPE = 'Microsoft.Storage/storageAccounts';
export const SANDBOX_STORAGE_GROUP = 'spotbox-sandbox-storage';

export interface SandboxStorageAccount {
  readonly name: string;
  /** The account's Blob endpoint, path-style: https://127.0.0.1:P/devstoreaccount1 */
  readonly blobUrl: string;
  readonly location: string;
}

/** Puts the sandbox's group and account in the store (again after a restart: the Blob port may differ). */
export function ensureSandboxStorageAccount(store: ResourceStore, account: SandboxStorageAccount): ArmResource {
  if (!store.group(SANDBOX_STORAGE_GROUP)) {
    store.putGroup({ name: SANDBOX_STORAGE_GROUP, location: account.location, tags: {}, provisioningState: 'Succeeded' });
  }
  const existing = store.find(SANDBOX_STORAGE_GROUP, STORAGE_ACCOUNT_TYPE, account.name);
  const resource: ArmResource = {
    id: store.resourceId(SANDBOX_STORAGE_GROUP, STORAGE_ACCOUNT_TYPE, account.name),
    name: account.name,
    type: STORAGE_ACCOUNT_TYPE,
    resourceGroup: SANDBOX_STORAGE_GROUP,
    location: account.location,
    tags: existing?.tags ?? {},
    sku: { name: 'Standard_LRS', tier: 'Standard' },
    etag: existing?.etag ?? newEtag(),
    properties: {
      provisioningState: 'Succeeded',
      creationTime: existing?.properties.creationTime ?? new Date().toISOString(),
      primaryEndpoints: { blob: `${account.blobUrl.replace(/\/$/, '')}/` },
      primaryLocation: account.location,
      statusOfPrimary: 'available',
      accessTier: 'Hot',
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: 'TLS1_2',
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: true,
    },
  };
  store.put(resource);
  return resource;
}

export function renderStorageAccount(resource: ArmResource): Record<string, unknown> {
  return { ...renderResource(resource), kind: 'StorageV2' };
}

export function refuseStorageAccountChange(method: string): never {
  throw new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported here: the sandbox has one storage account (Azurite's devstoreaccount1) and makes no others.`);
}
