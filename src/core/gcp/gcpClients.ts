import { SpotboxError } from '../errors';
import { ComputeClient } from './computeClient';
import { readGcloudConfig, type GcloudConfig } from './gcloudConfig';
import { GcpAuth } from './gcpAuth';
import { GcpHttp } from './gcpHttp';
import { CloudBillingPrices } from './gcpPrices';
import { GcsClient } from './gcsClient';

export interface GcpClientsOptions {
  /** A configuration the user picked (global state), else gcloud's active one. Never a workspace setting. */
  readonly configuration?: string;
  /** A project the user picked; else gcloud's, then GOOGLE_CLOUD_PROJECT, then the credentials'. */
  readonly project?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly userAgent?: string;
}

export interface GcpClients {
  readonly config: GcloudConfig;
  readonly project: string;
  readonly auth: GcpAuth;
  readonly http: GcpHttp;
  readonly compute: ComputeClient;
  readonly gcs: GcsClient;
  readonly billing: CloudBillingPrices;
}

export const NO_PROJECT_STEP = 'Run `gcloud config set project <id>` or pick one with Spotbox: Choose GCP Project.';

/**
 * Every GCP client over one gcloud configuration: endpoints and credentials from gcloud's files and
 * the user's environment only. google-auth-library loads on the first call, not here.
 */
export async function createGcpClients(options: GcpClientsOptions = {}): Promise<GcpClients> {
  const env = options.env ?? process.env;
  const config = readGcloudConfig({ env, ...(options.configuration ? { configuration: options.configuration } : {}), ...(options.project ? { project: options.project } : {}) });
  const auth = new GcpAuth({ config, env });
  const project = config.project ?? (await auth.credentialsProject());
  if (!project) {
    throw new SpotboxError(`No Google Cloud project is set for gcloud configuration "${config.configuration}".`, NO_PROJECT_STEP);
  }
  const http = new GcpHttp({ auth, ...(options.userAgent ? { userAgent: options.userAgent } : {}) });
  return {
    config,
    project,
    auth,
    http,
    compute: new ComputeClient({ http, endpoint: config.endpoints.compute, project }),
    gcs: new GcsClient({ http, endpoint: config.endpoints.storage, uploadEndpoint: config.endpoints.storageUpload }),
    billing: new CloudBillingPrices({ http, endpoint: config.endpoints.cloudbilling }),
  };
}
