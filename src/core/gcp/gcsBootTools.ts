import { storeBootTools } from '../agent/bootToolsStore';
import { SpotboxError } from '../errors';
import type { GcsClient } from './gcsClient';

/** Puts the agent and the session tools in the checkpoint bucket for the box's bootstrap, as uploadBootTools does on S3; returns the rollback's undo. */
export function uploadBootToolsToGcs(gcs: GcsClient, bucket: string, files: ReadonlyArray<{ readonly key: string; readonly content: Buffer }>, signal?: AbortSignal): Promise<() => Promise<void>> {
  return storeBootTools(
    {
      put: async (key, content, putSignal) => {
        await gcs.upload(bucket, key, content, { contentType: 'text/x-python', ...(putSignal ? { signal: putSignal } : {}) });
      },
      remove: async (key) => {
        await gcs.deleteObject(bucket, key);
      },
    },
    files,
    (error) => new SpotboxError(
      `Storing the agent and the session tools in gs://${bucket} failed: ${error instanceof Error ? error.message : String(error)}`,
      'Check that the bucket exists and that your gcloud credentials may write to it (roles/storage.objectAdmin on the bucket).',
      { cause: error },
    ),
    signal,
  );
}
