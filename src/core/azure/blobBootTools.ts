import { storeBootTools } from '../agent/bootToolsStore';
import { SpotboxError } from '../errors';
import type { BlobClient } from './blobClient';

/** Puts the agent and the session tools in the checkpoint container for the box's bootstrap; returns the rollback's undo. */
export function uploadBootToolsToBlob(blob: BlobClient, account: string, container: string, files: ReadonlyArray<{ readonly key: string; readonly content: Buffer }>, signal?: AbortSignal): Promise<() => Promise<void>> {
  return storeBootTools(
    {
      put: (key, content, putSignal) => blob.putBlob(container, key, content, { contentType: 'text/x-python', ...(putSignal ? { signal: putSignal } : {}) }),
      remove: (key) => blob.deleteBlob(container, key),
    },
    files,
    (error) => new SpotboxError(
      `Storing the agent and the session tools in the container ${container} of the storage account ${account} failed: ${error instanceof Error ? error.message : String(error)}`,
      `Check that the container exists and that you may write to it: the "Storage Blob Data Contributor" role on ${account} (az role assignment create --role "Storage Blob Data Contributor" --assignee <you> --scope <the account's id>).`,
      { cause: error },
    ),
    signal,
  );
}
