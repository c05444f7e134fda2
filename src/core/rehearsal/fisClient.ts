import type { FisClient } from '@aws-sdk/client-fis';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { configuredFisEndpoint, type EndpointSources } from '../aws/configuredEndpoint';

export interface FisClientOptions {
  readonly region: string;
  /** Named profile of the shared AWS config; the SDK's default chain when absent. */
  readonly profile?: string;
  /** The pool whose EC2 client (same region, same profile) lends its credentials. */
  readonly ec2Clients: Ec2ClientPool;
  readonly endpointSources?: EndpointSources;
}

/**
 * A FIS client for one rehearsal, loaded lazily like every AWS client. Credentials come from the
 * pool's EC2 client, which resolves them through the standard chain (SSO, roles, ...) for the same
 * profile: client-fis 3.523 has no `profile` option and an older chain of its own. The endpoint
 * follows the standard configuration (see configuredFisEndpoint), so the sandbox's profile reaches
 * the sandbox's FIS.
 */
export async function createFisClient(options: FisClientOptions): Promise<FisClient> {
  const [{ FisClient: Client }, ec2] = await Promise.all([import('@aws-sdk/client-fis'), options.ec2Clients.client(options.region)]);
  const endpoint = configuredFisEndpoint(options.profile, options.endpointSources);
  const credentials = ec2.config.credentials;
  return new Client({ region: options.region, credentials: () => credentials(), ...(endpoint ? { endpoint } : {}) });
}
