/**
 * The sandbox's Azure: its own CA and HTTPS certificate, the Entra ID token endpoint for its
 * service principal, Azure Resource Manager (booting real boxes through the shared box host),
 * Azurite's Blob service behind a proxy that checks managed identities' Storage Blob Data roles
 * (azurite/blobRoleProxy.ts), the Retail Prices API, and the Azure CLI configuration naming them,
 * written once every port is known. Every server is HTTPS, as Azure's SDKs require for bearer tokens.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { EventSink, PowerControlledBoxHost } from '../contract';
import { ArmEmulator } from './arm/armServer';
import { SANDBOX_STORAGE_GROUP, STORAGE_ACCOUNT_TYPE } from './arm/storageAccounts';
import { EntraServer } from './auth/entraServer';
import { EntraTokens, STORAGE_AUDIENCE } from './auth/entraTokens';
import { loadOrCreateServicePrincipal, type ServicePrincipal } from './auth/servicePrincipal';
import { AZURE_SANDBOX_CLOUD, writeAzureCliConfiguration } from './azureCliConfiguration';
import { AzuriteBlob, AZURITE_ACCOUNT } from './azurite/azuriteProcess';
import { BlobRoleProxy } from './azurite/blobRoleProxy';
import { RetailPricesServer } from './retailPrices/retailPricesServer';
import { loadOrCreateTestCertificates, nodeExtraCaFile, type TestCertificates } from './tls/testCertificates';
import { StopStack } from '../stopStack';

/** Container that exists from the start, for checkpoints and workspaces. */
export const AZURE_SANDBOX_CONTAINER = 'spotbox-sandbox';

export interface AzurePorts {
  arm?: number;
  entra?: number;
  /** The advertised Blob endpoint: the role-checking proxy in front of Azurite. */
  blob?: number;
  /** Azurite itself. */
  azurite?: number;
  retailPrices?: number;
}

export interface AzureSandboxOptions {
  /** The sandbox folder; Azure state goes to <directory>/azure, the Azure CLI configuration to <directory>/azure-cli. */
  readonly directory: string;
  readonly boxHost: PowerControlledBoxHost;
  readonly events: EventSink;
  readonly bootDelayMs: () => number;
  readonly ports?: AzurePorts;
  readonly listenOn: <T>(preferred: number | undefined, start: (port?: number) => Promise<T>) => Promise<T>;
  /** Only the sandbox's own tests shorten the 30 s between a Preempt event and the eviction. */
  readonly evictionNoticeMs?: number;
  /** Try & Restore's delay after a scale set instance's eviction. */
  readonly spotRestoreDelayMs?: number;
  readonly log?: (line: string) => void;
}

export interface AzureEndpoints {
  /** Azure Resource Manager, ending in '/'. */
  readonly azureArm: string;
  /** The authority host (AZURE_AUTHORITY_HOST), ending in '/'. */
  readonly azureAuthority: string;
  readonly azureTenantId: string;
  readonly azureSubscriptionId: string;
  /** Azurite's account endpoint, path-style: https://127.0.0.1:P/devstoreaccount1 */
  readonly azureBlob: string;
  readonly azureStorageAccount: string;
  readonly azureContainer: string;
  /** The sandbox's CA (PEM). */
  readonly azureCaFile: string;
  /** AZURE_CONFIG_DIR of the Azure CLI configuration naming the sandbox's cloud. */
  readonly azureConfigDir: string;
  readonly azureCloud: string;
  /** Azure's Retail Prices API (what https://prices.azure.com answers), the base URL without a path. */
  readonly azureRetailPrices: string;
}

export interface RunningAzure {
  readonly endpoints: AzureEndpoints;
  readonly arm: ArmEmulator;
  readonly retailPrices: RetailPricesServer;
  readonly tokens: EntraTokens;
  readonly principal: ServicePrincipal;
  readonly certificates: TestCertificates;
  readonly ports: Required<AzurePorts>;
  /** The service principal (EnvironmentCredential's names), the CLI configuration, and CA trust for Node and Python. */
  readonly environment: Record<string, string>;
  stop(): Promise<void>;
}

export async function startAzure(options: AzureSandboxOptions): Promise<RunningAzure> {
  const azureDir = path.join(options.directory, 'azure');
  const configDir = path.join(options.directory, 'azure-cli');
  const stops = new StopStack();
  const { stopAll } = stops;
  try {
    // Traversable (not listable) so that boxes' users reach tls/ (their SSL_CERT_FILE); the principal file is 0600.
    fs.mkdirSync(azureDir, { recursive: true, mode: 0o711 });
    fs.chmodSync(azureDir, 0o711);
    const certificates = loadOrCreateTestCertificates(path.join(azureDir, 'tls'));
    const principal = loadOrCreateServicePrincipal(path.join(azureDir, 'service-principal.json'));
    const tokens = new EntraTokens(principal);

    const entra = new EntraServer(principal, tokens, certificates);
    const { authorityHost } = await options.listenOn(options.ports?.entra, (port) => entra.start(port));
    stops.push(() => entra.stop());

    const azurite = new AzuriteBlob({
      location: path.join(azureDir, 'azurite'),
      certificates,
      storageToken: () => tokens.issue(STORAGE_AUDIENCE).token,
      containers: [AZURE_SANDBOX_CONTAINER],
      log: options.log,
    });
    const { url: azuriteUrl } = await options.listenOn(options.ports?.azurite, (port) => azurite.start(port));
    stops.push(() => azurite.stop());
    // ARM starts later (its boxes need the Blob URL): until then the proxy lets everything through.
    const late: { arm?: ArmEmulator } = {};
    const blobProxy = new BlobRoleProxy(certificates, azuriteUrl, () => {
      const arm = late.arm;
      return arm && {
        accountScope: arm.store.resourceId(SANDBOX_STORAGE_GROUP, STORAGE_ACCOUNT_TYPE, AZURITE_ACCOUNT),
        isManagedIdentity: (objectId) => objectId.toLowerCase() !== principal.objectId.toLowerCase() && arm.principalIds().has(objectId.toLowerCase()),
        rolesOn: (objectId, scope) => arm.roleAssignments.rolesOn(objectId, scope),
      };
    });
    const { url: blobUrl } = await options.listenOn(options.ports?.blob, (port) => blobProxy.start(port));
    stops.push(() => blobProxy.stop());
    const accountUrl = `${blobUrl}/${AZURITE_ACCOUNT}`;

    const trust = {
      NODE_EXTRA_CA_CERTS: nodeExtraCaFile(certificates),
      REQUESTS_CA_BUNDLE: certificates.bundleFile,
      SSL_CERT_FILE: certificates.bundleFile,
    };

    const arm = new ArmEmulator({
      subscriptionId: principal.subscriptionId,
      tenantId: principal.tenantId,
      tokens,
      certificates,
      boxHost: options.boxHost,
      events: options.events,
      bootDelayMs: options.bootDelayMs,
      boxEnvironment: {
        ...trust,
        SPOTBOX_AZURE_BLOB_ENDPOINT: accountUrl,
        SPOTBOX_AZURE_STORAGE_ACCOUNT: AZURITE_ACCOUNT,
        SPOTBOX_AZURE_CONTAINER: AZURE_SANDBOX_CONTAINER,
      },
      evictionNoticeMs: options.evictionNoticeMs,
      spotRestoreDelayMs: options.spotRestoreDelayMs,
      servicePrincipalObjectId: principal.objectId,
      storageAccount: { name: AZURITE_ACCOUNT, blobUrl: accountUrl, location: 'eastus' },
      stateFile: path.join(azureDir, 'arm-state.json'),
    });
    late.arm = arm;
    const { url: armUrl } = await options.listenOn(options.ports?.arm, (port) => arm.start(port));
    stops.push(() => arm.stop());

    const retailPrices = new RetailPricesServer({ tls: { cert: certificates.cert, key: certificates.key } });
    const { url: retailPricesUrl } = await options.listenOn(options.ports?.retailPrices, (port) => retailPrices.start(port));
    stops.push(() => retailPrices.stop());

    writeAzureCliConfiguration(configDir, { resourceManager: `${armUrl}/`, activeDirectory: authorityHost, subscriptionId: principal.subscriptionId });
    const endpoints: AzureEndpoints = {
      azureArm: `${armUrl}/`,
      azureAuthority: authorityHost,
      azureTenantId: principal.tenantId,
      azureSubscriptionId: principal.subscriptionId,
      azureBlob: accountUrl,
      azureStorageAccount: AZURITE_ACCOUNT,
      azureContainer: AZURE_SANDBOX_CONTAINER,
      azureCaFile: certificates.caFile,
      azureConfigDir: configDir,
      azureCloud: AZURE_SANDBOX_CLOUD,
      azureRetailPrices: retailPricesUrl,
    };
    return {
      endpoints,
      arm,
      retailPrices,
      tokens,
      principal,
      certificates,
      ports: { arm: portOf(armUrl), entra: portOf(authorityHost), blob: portOf(blobUrl), azurite: portOf(azuriteUrl), retailPrices: portOf(retailPricesUrl) },
      environment: {
        ...trust,
        AZURE_CONFIG_DIR: configDir,
        AZURE_TENANT_ID: principal.tenantId,
        AZURE_CLIENT_ID: principal.clientId,
        AZURE_CLIENT_SECRET: principal.clientSecret,
        AZURE_AUTHORITY_HOST: authorityHost,
        AZURE_SUBSCRIPTION_ID: principal.subscriptionId,
        // src/core/azure/azureRetailPrices.ts reads it: live prices from the sandbox, not from Azure.
        SPOTBOX_AZURE_RETAIL_PRICES_URL: retailPricesUrl,
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}
