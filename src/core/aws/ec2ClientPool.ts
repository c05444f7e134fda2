import type { EC2Client } from '@aws-sdk/client-ec2';
import { configuredServiceEndpoint } from './configuredEndpoint';

export interface Ec2ClientOptions {
  /** Named profile of the shared AWS config; the SDK's default chain (AWS_PROFILE, SSO, ...) when absent. */
  readonly profile?: string;
  /** SDK attempts per call, throttling and 5xx retries included (SDK default 3). */
  readonly maxAttempts?: number;
}

/**
 * One EC2 client per region, created on first use. The SDK itself is loaded lazily: the build puts
 * it in its own bundle, so nothing of it loads before the first AWS call.
 */
export class Ec2ClientPool {
  private readonly clients = new Map<string, Promise<EC2Client>>();

  constructor(private readonly options: Ec2ClientOptions = {}) {}

  client(region: string): Promise<EC2Client> {
    let client = this.clients.get(region);
    if (!client) {
      const { profile, maxAttempts } = this.options;
      // The SDK takes a named profile's credentials but not its endpoint: give it that too.
      const endpoint = configuredServiceEndpoint('ec2', profile);
      client = import('@aws-sdk/client-ec2').then(
        ({ EC2Client: Client }) => new Client({ region, ...(profile ? { profile } : {}), ...(endpoint ? { endpoint } : {}), ...(maxAttempts ? { maxAttempts } : {}) }),
      );
      this.clients.set(region, client);
    }
    return client;
  }

  dispose(): void {
    for (const client of this.clients.values()) {
      void client.then((c) => c.destroy()).catch(() => undefined);
    }
    this.clients.clear();
  }
}
