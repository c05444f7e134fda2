import type { S3Client } from '@aws-sdk/client-s3';
import { configuredServiceEndpoint } from '../aws/configuredEndpoint';

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
  // As for EC2: the SDK ignores the endpoint of a profile passed by name.
  const endpoint = options.endpoint ?? configuredServiceEndpoint('s3', options.profile);
  return new Client({
    region: options.region,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(endpoint ? { forcePathStyle: true } : {}),
  });
}
