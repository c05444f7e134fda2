/**
 * The Azure CLI configuration the sandbox writes in `<sandbox>/azure-cli` (AZURE_CONFIG_DIR): a
 * cloud `SpotboxSandbox` in `clouds.config`, spelled as `az cloud register` writes it, and
 * `config` selecting it. Spotbox (src/core/azure/azureCliConfig.ts) and the Azure CLI read the same
 * files, so nothing is written to the user's ~/.azure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const AZURE_SANDBOX_CLOUD = 'SpotboxSandbox';

export interface AzureCliConfigurationInput {
  /** ARM, e.g. https://127.0.0.1:P/ */
  readonly resourceManager: string;
  /** The authority host, e.g. https://127.0.0.1:Q */
  readonly activeDirectory: string;
  readonly subscriptionId: string;
}

export function writeAzureCliConfiguration(configDir: string, input: AzureCliConfigurationInput): void {
  fs.mkdirSync(configDir, { recursive: true });
  const authority = input.activeDirectory.replace(/\/+$/, '');
  fs.writeFileSync(path.join(configDir, 'clouds.config'), [
    `[${AZURE_SANDBOX_CLOUD}]`,
    `endpoint_resource_manager = ${input.resourceManager.endsWith('/') ? input.resourceManager : `${input.resourceManager}/`}`,
    `endpoint_active_directory = ${authority}`,
    // The audience ARM tokens are asked for, as in AzureCloud; the sandbox's ARM accepts it.
    'endpoint_active_directory_resource_id = https://management.core.windows.net/',
    'endpoint_active_directory_graph_resource_id = https://graph.windows.net/',
    'endpoint_microsoft_graph_resource_id = https://graph.microsoft.com/',
    'endpoint_management = https://management.core.windows.net/',
    // Azurite is path-style (https://127.0.0.1:P/devstoreaccount1): no DNS suffix leads to it; its
    // URL is the endpoints' azureBlob. The suffix is AzureCloud's so that the CLI accepts the cloud.
    'suffix_storage_endpoint = core.windows.net',
    'suffix_keyvault_dns = .vault.azure.net',
    'suffix_acr_login_server_endpoint = .azurecr.io',
    `subscription = ${input.subscriptionId}`,
    'profile = latest',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(configDir, 'config'), ['[cloud]', `name = ${AZURE_SANDBOX_CLOUD}`, '', '[core]', 'collect_telemetry = no', 'first_run = no', ''].join('\n'));
}
