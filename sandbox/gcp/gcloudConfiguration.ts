/**
 * The gcloud named configuration the sandbox writes, and the environment that selects it:
 * `<CLOUDSDK_CONFIG>/configurations/config_spotbox-sandbox` with the project, the service
 * account key (`auth/credential_file_override`, and `auth/token_host` so that the gcloud CLI too
 * gets its tokens from the sandbox) and `api_endpoint_overrides` for Compute,
 * Storage and Cloud Billing. It lives in the sandbox folder, like the AWS profile: nothing is
 * written to the user's own ~/.config/gcloud.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const GCLOUD_CONFIGURATION = 'spotbox-sandbox';

export interface GcloudConfigurationInput {
  readonly project: string;
  readonly keyFile: string;
  /** The token endpoint: gcloud itself takes it from `auth/token_host`, not from the key file's token_uri. */
  readonly tokenUri: string;
  /** e.g. http://127.0.0.1:P/compute/v1/ */
  readonly compute: string;
  /** e.g. http://127.0.0.1:Q/storage/v1/ */
  readonly storage: string;
  /** e.g. http://127.0.0.1:R/ */
  readonly cloudbilling?: string;
}

/** Writes `<configDir>/configurations/config_spotbox-sandbox`; answers its path. */
export function writeGcloudConfiguration(configDir: string, input: GcloudConfigurationInput): string {
  const configurations = path.join(configDir, 'configurations');
  fs.mkdirSync(configurations, { recursive: true });
  const file = path.join(configurations, `config_${GCLOUD_CONFIGURATION}`);
  fs.writeFileSync(
    file,
    [
      '# Written by the Spotbox sandbox: a local emulator of Google Cloud, not a real project.',
      '[core]',
      `project = ${input.project}`,
      '',
      '[auth]',
      `credential_file_override = ${input.keyFile}`,
      // Google's libraries use the key file's token_uri; the gcloud CLI uses this property instead.
      `token_host = ${input.tokenUri}`,
      '',
      '[api_endpoint_overrides]',
      `compute = ${input.compute}`,
      `storage = ${input.storage}`,
      ...(input.cloudbilling ? [`cloudbilling = ${input.cloudbilling}`] : []),
      '',
    ].join('\n'),
  );
  // gcloud itself picks the active configuration from this file when CLOUDSDK_ACTIVE_CONFIG_NAME is unset.
  fs.writeFileSync(path.join(configDir, 'active_config'), GCLOUD_CONFIGURATION);
  return file;
}

/** Environment that selects the configuration (and points Google's storage clients at the emulator). */
export function gcloudConfigurationEnvironment(configDir: string, storageEmulatorHost: string): Record<string, string> {
  return { CLOUDSDK_CONFIG: configDir, CLOUDSDK_ACTIVE_CONFIG_NAME: GCLOUD_CONFIGURATION, STORAGE_EMULATOR_HOST: storageEmulatorHost };
}
