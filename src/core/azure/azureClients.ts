import { SpotboxError } from '../errors';
import { AzureIdentityTokens, STORAGE_SCOPE } from './azureAuth';
import { readAzureCliConfig, type AzureCliConfig } from './azureCliConfig';
import { ArmHttp, type ArmTokenSource } from './armHttp';
import { NetworkClient } from './armNetwork';
import { ResourceGroupClient } from './armResourceGroups';
import { RoleAssignmentClient } from './armRoleAssignments';
import { ScaleSetClient } from './armScaleSets';
import { VirtualMachineClient } from './armVirtualMachines';

export interface AzureClientsOptions {
  /** A subscription the user picked (user settings, machine scope); else the Azure CLI's current one, then AZURE_SUBSCRIPTION_ID. */
  readonly subscriptionId?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Another token source (VS Code's Microsoft sign-in); the @azure/identity chain otherwise. */
  readonly credential?: ArmTokenSource;
  /** The same for Blob storage's scope; the @azure/identity chain otherwise. */
  readonly storageCredential?: ArmTokenSource;
  readonly userAgent?: string;
}

export interface AzureClients {
  readonly config: AzureCliConfig;
  readonly subscriptionId: string;
  readonly http: ArmHttp;
  readonly resourceGroups: ResourceGroupClient;
  readonly network: NetworkClient;
  readonly virtualMachines: VirtualMachineClient;
  readonly scaleSets: ScaleSetClient;
  readonly roleAssignments: RoleAssignmentClient;
  /** Blob storage tokens (`https://storage.azure.com/.default`) from the same sign-in: the editor's uploads of the agent for a box's bootstrap. */
  readonly storageCredential: ArmTokenSource;
}

export const NO_SUBSCRIPTION_STEP = 'Run `az account set --subscription <id>` or pick one with Spotbox: Choose Azure Subscription.';

/**
 * Every Azure client over one cloud (the Azure CLI's active one) and subscription: endpoints from
 * the CLI's files and the user's environment only. @azure/identity loads on the first call, not here.
 */
export function createAzureClients(options: AzureClientsOptions = {}): AzureClients {
  const env = options.env ?? process.env;
  const config = readAzureCliConfig({ env });
  const subscriptionId = options.subscriptionId?.trim() || config.subscriptionId || env.AZURE_SUBSCRIPTION_ID?.trim();
  if (!subscriptionId) throw new SpotboxError(`No Azure subscription is chosen for cloud "${config.cloudName}".`, NO_SUBSCRIPTION_STEP);
  const http = new ArmHttp({ endpoint: config.endpoints.resourceManager, credential: options.credential ?? new AzureIdentityTokens({ config }), ...(options.userAgent ? { userAgent: options.userAgent } : {}) });
  return {
    config,
    subscriptionId,
    http,
    resourceGroups: new ResourceGroupClient(http, subscriptionId),
    network: new NetworkClient(http, subscriptionId),
    virtualMachines: new VirtualMachineClient(http, subscriptionId),
    scaleSets: new ScaleSetClient(http, subscriptionId),
    roleAssignments: new RoleAssignmentClient(http, subscriptionId),
    storageCredential: options.storageCredential ?? new AzureIdentityTokens({ config, scope: STORAGE_SCOPE }),
  };
}
