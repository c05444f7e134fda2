import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpotboxError } from '../errors';
import { parseSharedConfig } from './configuredEndpoint';

export interface AwsProfileSummary {
  readonly name: string;
  readonly region?: string;
  /** How the SDK will get its credentials, for the picker's description. */
  readonly kind: 'sso' | 'assume-role' | 'process' | 'keys' | 'other';
  readonly endpoints: boolean;
}

/**
 * The profiles of the shared config and credentials files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE
 * or ~/.aws), for the profile picker. A line the SDK could not read either is reported with its
 * file and line, since the SDK's own error would not say where.
 */
export function listAwsProfiles(env: NodeJS.ProcessEnv = process.env): AwsProfileSummary[] {
  const configFile = env.AWS_CONFIG_FILE || path.join(os.homedir(), '.aws', 'config');
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || path.join(os.homedir(), '.aws', 'credentials');
  const profiles = new Map<string, AwsProfileSummary>();
  for (const [file, isConfig] of [[configFile, true], [credentialsFile, false]] as const) {
    const text = readIfPresent(file);
    if (text === undefined) {
      continue;
    }
    checkWellFormed(text, file);
    for (const [header, settings] of parseSharedConfig(text)) {
      const name = isConfig ? (header === 'default' ? 'default' : /^profile (.+)$/.exec(header)?.[1]) : header;
      if (!name || profiles.has(name)) {
        continue;
      }
      const kind = settings.has('sso_session') || settings.has('sso_start_url') ? 'sso' : settings.has('role_arn') ? 'assume-role' : settings.has('credential_process') ? 'process' : settings.has('aws_access_key_id') ? 'keys' : 'other';
      profiles.set(name, { name, ...(settings.get('region') ? { region: settings.get('region') } : {}), kind, endpoints: settings.has('services') || settings.has('endpoint_url') });
    }
  }
  return [...profiles.values()].sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
}

function checkWellFormed(text: string, file: string): void {
  let inSection = false;
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      return;
    }
    if (trimmed.startsWith('[')) {
      if (!/^\[[^\]]+\]$/.test(trimmed)) {
        throw new SpotboxError(`${file}:${index + 1}: "${trimmed}" is not a section header such as [profile name].`, `Fix that line of ${path.basename(file)}; the AWS SDK cannot read the file either.`);
      }
      inSection = true;
      return;
    }
    if (!inSection || !(/=/.test(trimmed) || /^\s/.test(line))) {
      throw new SpotboxError(`${file}:${index + 1}: "${trimmed.slice(0, 60)}" is neither a [section] nor a key = value line${inSection ? '' : ' inside one'}.`, `Fix that line of ${path.basename(file)}; the AWS SDK cannot read the file either.`);
    }
  });
}

function readIfPresent(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
