import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, type S3ClientOptions } from '../checkpoint/s3Client';
import type { ObjectSource } from './objectStores';

/** A copy's source in S3 (the lineage's checkpoint bucket), through the SDK loaded on first use. */
export function s3ObjectSource(bucket: string, options: S3ClientOptions): ObjectSource & { dispose(): void } {
  let client: Promise<{ s3: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;
  const s3 = () => (client ??= Promise.all([createS3Client({ maxAttempts: 5, ...options }), import('@aws-sdk/client-s3')]).then(([s3Client, sdk]) => ({ s3: s3Client, sdk })));
  return {
    url: `s3://${bucket}`,
    async get(key, signal) {
      const { s3: c, sdk } = await s3();
      try {
        const object = await c.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
        return await object.Body?.transformToByteArray();
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    dispose() {
      void client?.then(({ s3: c }) => c.destroy());
    },
  };
}
