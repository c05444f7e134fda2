import { SpotboxError } from '../errors';

const THROTTLING = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException']);
const AUTH = new Set(['AuthFailure', 'UnrecognizedClientException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'RequestExpired']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Turns an AWS SDK error into one a user can act on. SDK errors carry the service's error code as
 * `name` (EC2's <Code>), socket errors a Node `code`; the message says what failed and where.
 */
export function toUserError(error: unknown, context: { action: string; region: string }): SpotboxError {
  const e = (error ?? {}) as { name?: string; code?: string; message?: string; $metadata?: { attempts?: number } };
  const name = e.name ?? '';
  const code = e.code ?? '';
  const what = `${context.action} in ${context.region}`;
  const detail = e.message ? `: ${e.message}` : '';
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(e.message ?? '')) {
    return new SpotboxError('No AWS credentials found.', 'Set spotbox.awsProfile or run `aws configure`.', { cause: error });
  }
  if (AUTH.has(name)) {
    return new SpotboxError(`AWS refused the credentials for ${what} (${name})${detail}.`, `Check that the profile's keys are valid and that ${context.region} is a region enabled for your account.`, { cause: error });
  }
  if (name === 'OptInRequired' || name === 'InvalidRegion' || name === 'UnknownEndpoint' || name === 'UnauthorizedOperation') {
    return new SpotboxError(`${what} is not allowed (${name})${detail}.`, `Enable ${context.region} for the account or grant ec2:DescribeSpotPriceHistory, or leave the region out.`, { cause: error });
  }
  if (THROTTLING.has(name)) {
    const attempts = e.$metadata?.attempts;
    return new SpotboxError(`AWS throttled ${what}${attempts ? ` after ${attempts} attempts` : ''}.`, 'Wait a minute and refresh, or scan fewer regions at once.', { cause: error });
  }
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'ETIMEDOUT') {
    return new SpotboxError(`${what} timed out.`, 'Check the network (or proxy) to AWS and try again.', { cause: error });
  }
  if (NETWORK.has(code) || NETWORK.has(name)) {
    return new SpotboxError(`Cannot reach AWS for ${what} (${code || name}).`, `Check the network, a proxy, or the endpoint_url of the AWS profile; ${code === 'ENOTFOUND' ? `${context.region} may not be a real region.` : 'then try again.'}`, { cause: error });
  }
  return new SpotboxError(`${what} failed (${name || 'unknown error'})${detail}.`, undefined, { cause: error });
}
