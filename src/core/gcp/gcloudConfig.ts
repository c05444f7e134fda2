import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseIni } from '../config/ini';
import { SpotboxError } from '../errors';

/**
 * gcloud's own configuration, read the way gcloud reads it, so that the same code talks to Google or
 * to the sandbox (which writes exactly these files). Only the user's environment and gcloud's files
 * decide credentials and endpoints: nothing here takes a value from workspace settings, and a caller
 * must not pass a configuration name that came from one.
 */
export interface GcloudConfig {
  /** `$CLOUDSDK_CONFIG` or `~/.config/gcloud`. */
  readonly configDir: string;
  /** The configuration these values come from. */
  readonly configuration: string;
  readonly project?: string;
  /** Where `project` came from, for the picker's description and for error messages. */
  readonly projectSource?: 'chosen' | 'CLOUDSDK_CORE_PROJECT' | 'configuration' | 'GOOGLE_CLOUD_PROJECT';
  readonly account?: string;
  /** `[auth] credential_file_override`. */
  readonly credentialFileOverride?: string;
  readonly endpoints: GcpEndpoints;
}

/** API roots; each ends with `/`. */
export interface GcpEndpoints {
  /** e.g. `https://compute.googleapis.com/compute/v1/`. */
  readonly compute: string;
  /** The JSON API, e.g. `https://storage.googleapis.com/storage/v1/`. */
  readonly storage: string;
  /** The media upload root for the same service, e.g. `https://storage.googleapis.com/upload/storage/v1/`. */
  readonly storageUpload: string;
  /** e.g. `https://cloudbilling.googleapis.com/` (paths start with `v1/`). */
  readonly cloudbilling: string;
}

export const DEFAULT_ENDPOINTS: GcpEndpoints = {
  compute: 'https://compute.googleapis.com/compute/v1/',
  storage: 'https://storage.googleapis.com/storage/v1/',
  storageUpload: 'https://storage.googleapis.com/upload/storage/v1/',
  cloudbilling: 'https://cloudbilling.googleapis.com/',
};

export interface GcloudSources {
  readonly env?: NodeJS.ProcessEnv;
  /** Reads a file; undefined when there is none. */
  readonly readFile?: (file: string) => string | undefined;
  /** Lists a folder; empty when there is none. */
  readonly listDir?: (dir: string) => string[];
}

export interface GcloudConfigOptions extends GcloudSources {
  /** A configuration the user picked (kept in the editor's global state, never a workspace setting). */
  readonly configuration?: string;
  /** A project the user picked; it names a project only, it redirects nothing. */
  readonly project?: string;
}


export function gcloudConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLOUDSDK_CONFIG || path.join(os.homedir(), '.config', 'gcloud');
}

/** `$CLOUDSDK_ACTIVE_CONFIG_NAME`, else the `active_config` file, else `default`. */
export function activeConfigurationName(sources: GcloudSources = {}): string {
  const env = sources.env ?? process.env;
  const read = sources.readFile ?? readIfPresent;
  const fromEnv = env.CLOUDSDK_ACTIVE_CONFIG_NAME?.trim();
  if (fromEnv) return fromEnv;
  const fromFile = read(path.join(gcloudConfigDir(env), 'active_config'))?.trim();
  return fromFile || 'default';
}

/**
 * The properties Spotbox uses, with gcloud's precedence: `CLOUDSDK_<SECTION>_<PROPERTY>` over the
 * configuration file. The project also falls back to `GOOGLE_CLOUD_PROJECT` (Google's client
 * libraries' variable); `STORAGE_EMULATOR_HOST` redirects GCS as those libraries do, after gcloud's
 * own storage override.
 */
export function readGcloudConfig(options: GcloudConfigOptions = {}): GcloudConfig {
  const env = options.env ?? process.env;
  const read = options.readFile ?? readIfPresent;
  const configDir = gcloudConfigDir(env);
  const configuration = options.configuration?.trim() || activeConfigurationName(options);
  if (!/^[a-z][-a-z0-9]*$/.test(configuration)) {
    // gcloud's own rule for names; it also keeps a name from climbing out of configurations/.
    throw new SpotboxError(`"${configuration}" is not a gcloud configuration name (lowercase letters, digits and dashes, starting with a letter).`, 'Pick one that `gcloud config configurations list` shows.');
  }
  const ini = parseIni(read(path.join(configDir, 'configurations', `config_${configuration}`)) ?? '');
  const property = (section: string, name: string): string | undefined => {
    const fromEnv = env[`CLOUDSDK_${section.toUpperCase()}_${name.toUpperCase()}`]?.trim();
    return fromEnv || ini.get(section)?.get(name) || undefined;
  };
  const fileProject = ini.get('core')?.get('project') || undefined;
  const project = pickProject(options.project, env, fileProject);
  const account = property('core', 'account');
  const credentialFileOverride = property('auth', 'credential_file_override');
  return {
    configDir,
    configuration,
    ...project,
    ...(account ? { account } : {}),
    ...(credentialFileOverride ? { credentialFileOverride: expandHome(credentialFileOverride) } : {}),
    endpoints: endpointsOf(property('api_endpoint_overrides', 'compute'), property('api_endpoint_overrides', 'storage'), property('api_endpoint_overrides', 'cloudbilling'), env.STORAGE_EMULATOR_HOST),
  };
}

export interface GcloudConfigurationSummary {
  readonly name: string;
  readonly active: boolean;
  readonly project?: string;
  readonly account?: string;
  /** The configuration redirects an API (an emulator, the sandbox, a private endpoint). */
  readonly endpointOverrides: boolean;
}

/** The configurations under `configurations/`, the active one first, for a "Choose GCP Project" picker. */
export function listGcloudConfigurations(sources: GcloudSources = {}): GcloudConfigurationSummary[] {
  const env = sources.env ?? process.env;
  const read = sources.readFile ?? readIfPresent;
  const list = sources.listDir ?? listIfPresent;
  const dir = path.join(gcloudConfigDir(env), 'configurations');
  const active = activeConfigurationName(sources);
  const names = list(dir)
    .map((file) => /^config_([a-z][-a-z0-9]*)$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined);
  if (!names.includes(active)) names.push(active);
  return names
    .map((name) => {
      const ini = parseIni(read(path.join(dir, `config_${name}`)) ?? '');
      const project = ini.get('core')?.get('project');
      const account = ini.get('core')?.get('account');
      return { name, active: name === active, ...(project ? { project } : {}), ...(account ? { account } : {}), endpointOverrides: (ini.get('api_endpoint_overrides')?.size ?? 0) > 0 };
    })
    .sort((a, b) => (a.active ? -1 : b.active ? 1 : a.name.localeCompare(b.name)));
}

export interface GcpProjectChoice {
  readonly project: string;
  /** The configuration whose credentials and endpoints go with it; undefined for environment-only projects. */
  readonly configuration?: string;
  readonly source: 'configuration' | 'CLOUDSDK_CORE_PROJECT' | 'GOOGLE_CLOUD_PROJECT';
}

/** Every project gcloud knows of here: the environment's, then each configuration's (no API call). */
export function listGcpProjects(sources: GcloudSources = {}): GcpProjectChoice[] {
  const env = sources.env ?? process.env;
  const choices: GcpProjectChoice[] = [];
  const seen = new Set<string>();
  const add = (choice: GcpProjectChoice): void => {
    const key = `${choice.project}|${choice.configuration ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      choices.push(choice);
    }
  };
  const fromCloudsdk = env.CLOUDSDK_CORE_PROJECT?.trim();
  if (fromCloudsdk) add({ project: fromCloudsdk, configuration: activeConfigurationName(sources), source: 'CLOUDSDK_CORE_PROJECT' });
  for (const configuration of listGcloudConfigurations(sources)) {
    if (configuration.project) add({ project: configuration.project, configuration: configuration.name, source: 'configuration' });
  }
  const fromGoogle = env.GOOGLE_CLOUD_PROJECT?.trim();
  if (fromGoogle) add({ project: fromGoogle, configuration: activeConfigurationName(sources), source: 'GOOGLE_CLOUD_PROJECT' });
  return choices;
}

function pickProject(chosen: string | undefined, env: NodeJS.ProcessEnv, fromFile: string | undefined): Pick<GcloudConfig, 'project' | 'projectSource'> {
  if (chosen?.trim()) return { project: chosen.trim(), projectSource: 'chosen' };
  if (env.CLOUDSDK_CORE_PROJECT?.trim()) return { project: env.CLOUDSDK_CORE_PROJECT.trim(), projectSource: 'CLOUDSDK_CORE_PROJECT' };
  if (fromFile) return { project: fromFile, projectSource: 'configuration' };
  if (env.GOOGLE_CLOUD_PROJECT?.trim()) return { project: env.GOOGLE_CLOUD_PROJECT.trim(), projectSource: 'GOOGLE_CLOUD_PROJECT' };
  return {};
}

function endpointsOf(compute: string | undefined, storage: string | undefined, cloudbilling: string | undefined, storageEmulatorHost: string | undefined): GcpEndpoints {
  const storageJson = storage ? withSlash(storage) : storageEmulatorHost?.trim() ? `${withSlash(withScheme(storageEmulatorHost.trim()))}storage/v1/` : DEFAULT_ENDPOINTS.storage;
  // Uploads go to the same host under /upload/: `<root>/storage/v1/` -> `<root>/upload/storage/v1/`.
  const storageUpload = /\/storage\/v1\/$/.test(storageJson) ? storageJson.replace(/\/storage\/v1\/$/, '/upload/storage/v1/') : `${storageJson}upload/`;
  return {
    compute: compute ? withSlash(compute) : DEFAULT_ENDPOINTS.compute,
    storage: storageJson,
    storageUpload,
    cloudbilling: cloudbilling ? withSlash(cloudbilling) : DEFAULT_ENDPOINTS.cloudbilling,
  };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** STORAGE_EMULATOR_HOST may be a bare `host:port`; @google-cloud/storage then assumes https, and so does Spotbox. */
function withScheme(host: string): string {
  return /^https?:\/\//.test(host) ? host : `https://${host}`;
}

function expandHome(file: string): string {
  return file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function listIfPresent(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
