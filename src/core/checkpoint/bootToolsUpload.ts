import { toCheckpointError } from './checkpointErrors';
import type { CheckpointLocation } from './checkpointLayout';
import { createS3Client, type S3ClientOptions } from './s3Client';

/**
 * Puts a fleet lineage's session tools in its checkpoint bucket, where a replacement box fetches
 * them at boot. Returns the undo (the launch's rollback removes them with the rest).
 */
export async function uploadBootTools(location: CheckpointLocation, files: ReadonlyArray<{ readonly key: string; readonly content: Buffer }>, options: S3ClientOptions): Promise<() => Promise<void>> {
  const [s3, sdk] = await Promise.all([createS3Client(options), import('@aws-sdk/client-s3')]);
  const put: string[] = [];
  try {
    for (const file of files) {
      await s3.send(new sdk.PutObjectCommand({ Bucket: location.bucket, Key: file.key, Body: file.content, ContentType: 'text/x-python' }));
      put.push(file.key);
    }
  } catch (error) {
    s3.destroy();
    throw toCheckpointError(error, { action: 'Storing the session tools a replacement box restores itself with', bucket: location.bucket, prefix: location.prefix, region: options.region });
  }
  s3.destroy();
  return async () => {
    const client = await createS3Client(options);
    try {
      for (const key of put) {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: location.bucket, Key: key }));
      }
    } finally {
      client.destroy();
    }
  };
}
