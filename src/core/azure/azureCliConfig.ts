import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseIni } from '../config/ini';

/**
 * The Azure CLI's own configuration, read the way `az` reads it, so the same code talks to Azure or
 * to the sandbox (which registers its cloud in exactly these files): the active cloud (`config`'s
 * `[cloud] name`, or AZURE_CLOUD_NAME), its endpoints (`clouds.config`, written by `az cloud
 * register`; the built-in clouds otherwise) and the subscription `az account set` chose. Only the
 * user's environment and the CLI's files decide endpoints: never a workspace setting.
 */
export interface AzureCliConfig {
  /** AZURE_CONFIG_DIR, else ~/.azure. */
  readonly configDir: string;
  readonly cloudName: string;
  readonly endpoints: AzureEndpoints;
  /** The cloud's current subscription (clouds.config `subscription`, else azureProfile.json's default for that cloud). */
  readonly subscriptionId?: string;
}

export interface AzureEndpoints {
  /** Azure Resource Manager, ending in '/' (https://management.azure.com/). */
  readonly resourceManager: string;
  /** Microsoft Entra ID's authority host, no trailing '/' (https://login.microsoftonline.com). */
  readonly activeDirectory: string;
  /** The audience ARM tokens are issued for; the token scope is `<audience>/.default`. */
  readonly resourceManagerAudience: string;
  /** Whether the authority is one of Microsoft's own (instance discovery only works there). */
  readonly knownAuthority: boolean;
  /** Storage's DNS suffix (core.windows.net). */
  readonly storageSuffix: string;
}

const BUILT_IN_CLOUDS: Readonly<Record<string, Omit<AzureEndpoints, 'knownAuthority'>>> = {
  AzureCloud: { resourceManager: 'https://management.azure.com/', activeDirectory: 'https://login.microsoftonline.com', resourceManagerAudience: 'https://management.core.windows.net/', storageSuffix: 'core.windows.net' },
  AzureUSGovernment: { resourceManager: 'https://management.usgovcloudapi.net/', activeDirectory: 'https://login.microsoftonline.us', resourceManagerAudience: 'https://management.core.usgovcloudapi.net/', storageSuffix: 'core.usgovcloudapi.net' },
  AzureChinaCloud: { resourceManager: 'https://management.chinacloudapi.cn/', activeDirectory: 'https://login.chinacloudapi.cn', resourceManagerAudience: 'https://management.core.chinacloudapi.cn/', storageSuffix: 'core.chinacloudapi.cn' },
};
const KNOWN_AUTHORITIES = new Set(Object.values(BUILT_IN_CLOUDS).map((cloud) => new URL(cloud.activeDirectory).host));

export const PUBLIC_CLOUD = 'AzureCloud';

export function azureConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.AZURE_CONFIG_DIR?.trim();
  return fromEnv ? expandHome(fromEnv, env) : path.join(env.HOME || os.homedir(), '.azure');
}

export function readAzureCliConfig(options: { env?: NodeJS.ProcessEnv } = {}): AzureCliConfig {
  const env = options.env ?? process.env;
  const configDir = azureConfigDir(env);
  const config = parseIni(readIfPresent(path.join(configDir, 'config')) ?? '');
  // knack (the CLI's framework) lets AZURE_<SECTION>_<OPTION> override any config value.
  const cloudName = env.AZURE_CLOUD_NAME?.trim() || config.get('cloud')?.get('name') || PUBLIC_CLOUD;
  const clouds = parseIni(readIfPresent(path.join(configDir, 'clouds.config')) ?? '');
  const registered = clouds.get(cloudName);
  const builtIn = BUILT_IN_CLOUDS[cloudName];
  const resourceManager = registered?.get('endpoint_resource_manager') ?? builtIn?.resourceManager;
  const activeDirectory = registered?.get('endpoint_active_directory') ?? builtIn?.activeDirectory;
  if (!resourceManager || !activeDirectory) {
    throw new Error(`the Azure CLI's active cloud "${cloudName}" is not registered in ${path.join(configDir, 'clouds.config')}`);
  }
  const authority = activeDirectory.replace(/\/+$/, '');
  const endpoints: AzureEndpoints = {
    resourceManager: withSlash(resourceManager),
    activeDirectory: authority,
    resourceManagerAudience: registered?.get('endpoint_active_directory_resource_id') ?? builtIn?.resourceManagerAudience ?? withSlash(resourceManager),
    knownAuthority: KNOWN_AUTHORITIES.has(new URL(authority).host),
    storageSuffix: registered?.get('suffix_storage_endpoint') ?? builtIn?.storageSuffix ?? 'core.windows.net',
  };
  const subscriptionId = registered?.get('subscription') || defaultSubscriptionOf(configDir, cloudName);
  return { configDir, cloudName, endpoints, ...(subscriptionId ? { subscriptionId } : {}) };
}

/** A subscription `az login` / `az account set` recorded (azureProfile.json, written with a BOM). */
export interface AzureProfileSubscription {
  readonly id: string;
  readonly name: string;
  readonly tenantId?: string;
  readonly isDefault: boolean;
  readonly environmentName: string;
  readonly state?: string;
}

export function listProfileSubscriptions(configDir: string): AzureProfileSubscription[] {
  const text = readIfPresent(path.join(configDir, 'azureProfile.json'));
  if (!text) return [];
  try {
    const profile = JSON.parse(text.replace(/^\uFEFF/, '')) as { subscriptions?: Array<Partial<AzureProfileSubscription>> };
    return (profile.subscriptions ?? [])
      .filter((entry): entry is Partial<AzureProfileSubscription> & { id: string } => typeof entry.id === 'string')
      .map((entry) => ({ id: entry.id, name: entry.name ?? entry.id, ...(entry.tenantId ? { tenantId: entry.tenantId } : {}), isDefault: entry.isDefault === true, environmentName: entry.environmentName ?? PUBLIC_CLOUD, ...(entry.state ? { state: entry.state } : {}) }));
  } catch {
    return [];
  }
}

function defaultSubscriptionOf(configDir: string, cloudName: string): string | undefined {
  return listProfileSubscriptions(configDir).find((entry) => entry.isDefault && entry.environmentName === cloudName)?.id;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

function expandHome(file: string, env: NodeJS.ProcessEnv): string {
  return file === '~' || file.startsWith('~/') ? path.join(env.HOME || os.homedir(), file.slice(1)) : file;
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
