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
  /**
   * The account that must own the bucket (12 digits, from EC2's word: the box's reservation
   * OwnerId). Every request then carries x-amz-expected-bucket-owner (CopyObject also
   * x-amz-source-expected-bucket-owner), and S3 refuses a same-named bucket of another account.
   */
  readonly expectedBucketOwner?: string;
}

export const EXPECTED_OWNER_HEADER = 'x-amz-expected-bucket-owner';
export const EXPECTED_SOURCE_OWNER_HEADER = 'x-amz-source-expected-bucket-owner';

type Headers = Record<string, string>;
type BuildArgs = { readonly request: unknown };

/**
 * Build-step middleware: the headers go in before the signer runs, so they are signed. A command's
 * own ExpectedBucketOwner wins.
 */
export function expectedBucketOwnerMiddleware(accountId: string) {
  return <T>(next: (args: BuildArgs) => Promise<T>, context: { readonly commandName?: string }) =>
    (args: BuildArgs): Promise<T> => {
      const headers = (args.request as { headers?: Headers } | undefined)?.headers;
      if (headers) {
        headers[EXPECTED_OWNER_HEADER] ??= accountId;
        if (context.commandName === 'CopyObjectCommand' || context.commandName === 'UploadPartCopyCommand') {
          headers[EXPECTED_SOURCE_OWNER_HEADER] ??= accountId;
        }
      }
      return next(args);
    };
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
  const client = new Client({
    region: options.region,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(endpoint ? { forcePathStyle: true } : {}),
  });
  const owner = options.expectedBucketOwner;
  if (owner !== undefined) {
    if (!/^\d{12}$/.test(owner)) {
      throw new Error(`Not an AWS account id for the checkpoint bucket's owner: "${owner}".`);
    }
    client.middlewareStack.add(expectedBucketOwnerMiddleware(owner) as never, { step: 'build', name: 'spotboxExpectedBucketOwner', override: true });
  }
  return client;
}
