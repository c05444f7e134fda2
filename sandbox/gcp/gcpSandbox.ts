/**
 * The sandbox's Google Cloud: the OAuth token endpoint for its service account, Compute Engine
 * (booting real boxes through the shared box host), Cloud Storage, and the gcloud configuration
 * naming them, written once every port is known.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventSink, PowerControlledBoxHost } from '../contract';
import { AccessTokens } from './auth/accessTokens';
import { OAuthServer } from './auth/oauthServer';
import { loadOrCreateServiceAccountKey, writeServiceAccountKeyFile } from './auth/serviceAccountKey';
import { BillingCatalogServer } from './billing/billingCatalogServer';
import { ComputeEmulator } from './compute/computeServer';
import { gcloudConfigurationEnvironment, writeGcloudConfiguration, GCLOUD_CONFIGURATION } from './gcloudConfiguration';
import { StorageEmulator } from './storage/storageServer';
import { StopStack } from '../stopStack';

export const GCP_PROJECT = 'spotbox-sandbox';
/** The project's number (`instance/zone` reads projects/<number>/zones/<zone>). */
export const GCP_PROJECT_NUMBER = '318846218846';
/** Bucket that exists from the start, for checkpoints and workspaces. */
export const GCS_SANDBOX_BUCKET = 'spotbox-sandbox';

export interface GcpPorts {
  oauth?: number;
  compute?: number;
  storage?: number;
  billing?: number;
}

export interface GcpSandboxOptions {
  /** The sandbox folder; GCP state goes to <directory>/gcp, the gcloud configuration to <directory>/gcloud. */
  readonly directory: string;
  readonly boxHost: PowerControlledBoxHost;
  readonly events: EventSink;
  readonly bootDelayMs: () => number;
  readonly ports?: GcpPorts;
  /** Starts a server on the preferred port, or another when it is taken. */
  readonly listenOn: <T>(preferred: number | undefined, start: (port?: number) => Promise<T>) => Promise<T>;
  /** Only the sandbox's own unit tests shorten Spot's 30 s G2 -> G3 window. */
  readonly preemptionGraceMs?: number;
  /** Managed instance groups: loss of a VM to its recreation, and the retry wait after failed creations (ComputeEmulatorOptions). */
  readonly migRepairDelayMs?: number;
  readonly migCreateRetryMs?: number;
}

export interface GcpEndpoints {
  /** Token endpoint (the key file's token_uri). */
  readonly gcpTokenUri: string;
  /** Compute Engine API root, ending in /compute/v1/. */
  readonly gcpCompute: string;
  /** Cloud Storage: the host for STORAGE_EMULATOR_HOST; the JSON API is under /storage/v1/. */
  readonly gcpStorage: string;
  /** Cloud Billing Catalog API root, ending in / (its SKUs under v1/services/6F81-5844-456A/skus). */
  readonly gcpBilling: string;
  readonly gcpProject: string;
  readonly gcpBucket: string;
  readonly gcpKeyFile: string;
  readonly gcpConfigDir: string;
  readonly gcpConfiguration: string;
}

export interface RunningGcp {
  readonly endpoints: GcpEndpoints;
  readonly compute: ComputeEmulator;
  readonly storage: StorageEmulator;
  readonly tokens: AccessTokens;
  readonly ports: Required<GcpPorts>;
  /** CLOUDSDK_CONFIG, CLOUDSDK_ACTIVE_CONFIG_NAME, STORAGE_EMULATOR_HOST. */
  readonly environment: Record<string, string>;
  stop(): Promise<void>;
}

export async function startGcp(options: GcpSandboxOptions): Promise<RunningGcp> {
  const gcpDir = path.join(options.directory, 'gcp');
  const configDir = path.join(options.directory, 'gcloud');
  const stops = new StopStack();
  const { stopAll } = stops;
  try {
    fs.mkdirSync(gcpDir, { recursive: true, mode: 0o700 });
    const tokens = new AccessTokens(Date.now, path.join(gcpDir, 'access-tokens.json'));
    const key = loadOrCreateServiceAccountKey(path.join(gcpDir, 'service-account.json'), GCP_PROJECT);
    tokens.acceptSelfSignedJwts(key.clientEmail, key.publicKey);
    const oauth = new OAuthServer(key, tokens);
    const { url: oauthUrl, tokenUri } = await options.listenOn(options.ports?.oauth, (port) => oauth.start(port));
    stops.push(() => oauth.stop());
    const keyFile = writeServiceAccountKeyFile(path.join(gcpDir, 'service-account.json'), key, tokenUri);

    const storage = new StorageEmulator({ directory: path.join(gcpDir, 'storage'), tokens, project: GCP_PROJECT, projectNumber: GCP_PROJECT_NUMBER, buckets: [GCS_SANDBOX_BUCKET], events: options.events });
    const { url: storageUrl } = await options.listenOn(options.ports?.storage, (port) => storage.start(port));
    stops.push(() => storage.stop());

    const compute = new ComputeEmulator({
      project: GCP_PROJECT,
      projectNumber: GCP_PROJECT_NUMBER,
      boxHost: options.boxHost,
      events: options.events,
      tokens,
      bootDelayMs: options.bootDelayMs,
      // Google's storage clients on the box honour STORAGE_EMULATOR_HOST; the metadata host is added per box.
      boxEnvironment: { STORAGE_EMULATOR_HOST: storageUrl },
      stateFile: path.join(gcpDir, 'compute-state.json'),
      preemptionGraceMs: options.preemptionGraceMs,
      migRepairDelayMs: options.migRepairDelayMs,
      migCreateRetryMs: options.migCreateRetryMs,
    });
    const { url: computeUrl } = await options.listenOn(options.ports?.compute, (port) => compute.start(port));
    stops.push(() => compute.stop());

    const billing = new BillingCatalogServer(tokens);
    const { url: billingUrl } = await options.listenOn(options.ports?.billing, (port) => billing.start(port));
    stops.push(() => billing.stop());

    writeGcloudConfiguration(configDir, { project: GCP_PROJECT, keyFile, tokenUri, compute: computeUrl, storage: `${storageUrl}/storage/v1/`, cloudbilling: billingUrl });
    const endpoints: GcpEndpoints = {
      gcpTokenUri: tokenUri,
      gcpCompute: computeUrl,
      gcpStorage: storageUrl,
      gcpBilling: billingUrl,
      gcpProject: GCP_PROJECT,
      gcpBucket: GCS_SANDBOX_BUCKET,
      gcpKeyFile: keyFile,
      gcpConfigDir: configDir,
      gcpConfiguration: GCLOUD_CONFIGURATION,
    };
    return {
      endpoints,
      compute,
      storage,
      tokens,
      ports: { oauth: portOf(oauthUrl), compute: portOf(computeUrl), storage: portOf(storageUrl), billing: portOf(billingUrl) },
      environment: gcloudConfigurationEnvironment(configDir, storageUrl),
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
