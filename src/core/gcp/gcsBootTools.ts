import type { GcsClient } from './gcsClient';
import { SpotboxError } from '../errors';

/**
 * Puts the agent and the session tools in the checkpoint bucket for the box's bootstrap (it pins
 * each by sha256, bootTools.ts), as uploadBootTools does on S3. Returns the undo for the launch's
 * rollback: each object it wrote, and only those.
 */
export async function uploadBootToolsToGcs(gcs: GcsClient, bucket: string, files: ReadonlyArray<{ readonly key: string; readonly content: Buffer }>, signal?: AbortSignal): Promise<() => Promise<void>> {
  const written: string[] = [];
  try {
    for (const file of files) {
      // Content-addressed keys: an object already there holds these very bytes (the upload says so on a 412).
      await gcs.upload(bucket, file.key, file.content, { contentType: 'text/x-python', ...(signal ? { signal } : {}) });
      written.push(file.key);
    }
  } catch (error) {
    if (error instanceof SpotboxError) throw error;
    throw new SpotboxError(
      `Storing the agent and the session tools in gs://${bucket} failed: ${error instanceof Error ? error.message : String(error)}`,
      'Check that the bucket exists and that your gcloud credentials may write to it (roles/storage.objectAdmin on the bucket).',
      { cause: error },
    );
  }
  return async () => {
    for (const key of written) await gcs.deleteObject(bucket, key);
  };
}
