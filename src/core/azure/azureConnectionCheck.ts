import { SpotboxError } from '../errors';
import type { ArmTokenSource } from './armHttp';
import { ArmHttp } from './armHttp';
import { listSubscriptions } from './armSubscriptions';
import type { Subscription } from './armTypes';
import { AzureBoxSource } from './azureBoxSource';
import { readAzureCliConfig } from './azureCliConfig';
import { createAzureClients } from './azureClients';
import { armErrorMessage } from './armErrorMessage';

/** The subscriptions the credentials see in the Azure CLI's active cloud, for Choose Azure Subscription. */
export async function listAzureSubscriptions(credential: ArmTokenSource, env: NodeJS.ProcessEnv = process.env): Promise<{ cloudName: string; subscriptions: Subscription[] }> {
  const config = readAzureCliConfig({ env });
  const http = new ArmHttp({ endpoint: config.endpoints.resourceManager, credential });
  try {
    return { cloudName: config.cloudName, subscriptions: await listSubscriptions(http) };
  } catch (error) {
    throw new SpotboxError(`Listing Azure subscriptions in cloud "${config.cloudName}" failed: ${armErrorMessage(error)}`, 'Run `az login` (or sign in to Microsoft in VS Code), then try again.', { cause: error });
  }
}

/**
 * Proves a subscription with the one call the tree makes (Spotbox's VMs and their addresses), so
 * missing rights are found when the user picks it, not at the first launch.
 */
export async function checkAzureConnection(subscriptionId: string, credential: ArmTokenSource, env: NodeJS.ProcessEnv = process.env): Promise<{ cloudName: string; boxes: number }> {
  const clients = createAzureClients({ subscriptionId, credential, env });
  try {
    const boxes = await new AzureBoxSource(async () => clients, subscriptionId).listBoxes();
    return { cloudName: clients.config.cloudName, boxes: boxes.length };
  } catch (error) {
    throw new SpotboxError(`Trying Azure subscription ${subscriptionId} failed: ${armErrorMessage(error)}`, 'Check that your account has the Contributor role (or Virtual Machine Contributor and Network Contributor) on it.', { cause: error });
  }
}
