import type { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  readonly region: string;
  /** Named profile of the shared AWS config; the SDK's default chain (AWS_PROFILE, SSO, ...) when absent. */
  readonly profile?: string;
  /** An S3-compatible endpoint (MinIO, the sandbox); a profile's `services` endpoint_url works too. */
  readonly endpoint?: string;
  /** SDK attempts per call, throttling and 5xx retries included (SDK default 3). */
  readonly maxAttempts?: number;
}

/**
 * An S3 client through the SDK's standard config chain, loaded lazily like the EC2 clients: the
 * build puts the SDK in its own bundle. Custom endpoints get path-style addressing, since they
 * rarely resolve `<bucket>.<host>` names.
 */
export async function createS3Client(options: S3ClientOptions): Promise<S3Client> {
  const { S3Client: Client } = await import('@aws-sdk/client-s3');
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new Client({
    region: options.region,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(endpoint ? { forcePathStyle: true } : {}),
  });
}
