import type { Ec2ClientPool } from '../core/aws/ec2ClientPool';
import type { Box } from '../core/boxes/box';
import { resolveBoxEndpoint, type BoxEndpoint, type ResolveEndpointOptions } from '../core/attach/boxEndpoint';
import type { SshAliasRegistry } from '../core/attach/sshAliasRegistry';
import type { AzureClients } from '../core/azure/azureClients';
import type { ComputeClient } from '../core/gcp/computeClient';

/**
 * Endpoints by instance: the console is read once per box (host keys do not change while it
 * lives), and each resolved endpoint is registered under the box's SSH alias.
 */
export class BoxEndpoints {
  private readonly resolved = new Map<string, Promise<BoxEndpoint>>();

  constructor(
    private readonly clients: () => Ec2ClientPool,
    private readonly gcpCompute: () => Promise<ComputeClient>,
    private readonly azureClients: () => Promise<AzureClients>,
    readonly aliases: SshAliasRegistry,
    private readonly options: Omit<ResolveEndpointOptions, 'signal' | 'onWaiting'>,
  ) {}

  async endpointOf(box: Box, extra: Pick<ResolveEndpointOptions, 'signal' | 'onWaiting'> = {}): Promise<BoxEndpoint> {
    let pending = this.resolved.get(box.instanceId);
    if (!pending) {
      pending = this.resolve(box, { ...this.options, ...extra });
      this.resolved.set(box.instanceId, pending);
      // A failure (console not ready, cancelled) must not stick: the next attach asks again.
      pending.catch(() => this.resolved.delete(box.instanceId));
    }
    const endpoint = await pending;
    await this.aliases.register(endpoint);
    return endpoint;
  }

  /** Each cloud pins host keys from its own word: EC2's console, Google's guest attributes, or the host key tag the launch wrote in ARM. */
  private async resolve(box: Box, options: ResolveEndpointOptions): Promise<BoxEndpoint> {
    if (box.cloud === 'azure') {
      const { resolveAzureEndpoint } = await import('../core/azure/azureEndpoint');
      return resolveAzureEndpoint(await this.azureClients(), box, options);
    }
    if (box.cloud === 'gcp') {
      const { resolveGceEndpoint } = await import('../core/gcp/gceEndpoint');
      return resolveGceEndpoint(await this.gcpCompute(), box, options);
    }
    return resolveBoxEndpoint(this.clients(), box, options);
  }

  forget(instanceId: string): void {
    this.resolved.delete(instanceId);
  }
}
