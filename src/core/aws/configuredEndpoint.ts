import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface EndpointSources {
  readonly env?: NodeJS.ProcessEnv;
  /** Reads the shared config file; undefined when there is none. */
  readonly readConfigFile?: (file: string) => string | undefined;
}

/**
 * The endpoint the standard configuration names for a service, with the SDK's precedence:
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's `services` section
 * (`ec2 = endpoint_url = ...`), the profile's own endpoint_url. Spotbox resolves this itself because
 * the SDK (client-ec2 3.1169, client-fis 3.523) reads endpoints from the profile in AWS_PROFILE only,
 * never from a profile passed to the client, and so would miss the sandbox (or a VPC endpoint) when
 * spotbox.awsProfile names the profile.
 */
export function configuredServiceEndpoint(service: 'ec2' | 's3' | 'fis' | 'pricing', profile: string | undefined, sources: EndpointSources = {}): string | undefined {
  const env = sources.env ?? process.env;
  if (isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) {
    return undefined;
  }
  const fromEnv = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL;
  if (fromEnv) {
    return fromEnv;
  }
  const file = env.AWS_CONFIG_FILE || path.join(os.homedir(), '.aws', 'config');
  const text = (sources.readConfigFile ?? readIfPresent)(file);
  if (text === undefined) {
    return undefined;
  }
  const sections = parseSharedConfig(text);
  const name = profile || env.AWS_PROFILE || 'default';
  const settings = sections.get(`profile ${name}`) ?? (name === 'default' ? sections.get('default') : undefined);
  if (!settings || isTrue(settings.get('ignore_configured_endpoint_urls'))) {
    return undefined;
  }
  const servicesName = settings.get('services');
  const fromServices = servicesName ? sections.get(`services ${servicesName}`)?.get(`${service}.endpoint_url`) : undefined;
  return fromServices || settings.get('endpoint_url') || undefined;
}

export function configuredFisEndpoint(profile: string | undefined, sources: EndpointSources = {}): string | undefined {
  return configuredServiceEndpoint('fis', profile, sources);
}

/**
 * Sections of an AWS shared config file, keyed by their header (`profile x`, `default`,
 * `services y`); a nested setting (`fis =` then an indented `endpoint_url = ...`) reads as `fis.endpoint_url`.
 */
export function parseSharedConfig(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let parent: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      continue;
    }
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(trimmed);
    if (header) {
      current = new Map();
      sections.set(header[1].replace(/\s+/g, ' '), current);
      parent = undefined;
      continue;
    }
    const setting = /^([^=]+?)\s*=\s*(.*)$/.exec(trimmed);
    if (!current || !setting) {
      continue;
    }
    const key = setting[1].toLowerCase();
    const value = setting[2].replace(/\s+[#;].*$/, '').trim();
    if (/^\s/.test(line) && parent) {
      current.set(`${parent}.${key}`, value);
    } else if (value === '') {
      parent = key;
    } else {
      parent = undefined;
      current.set(key, value);
    }
  }
  return sections;
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
