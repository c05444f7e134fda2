import { isAwsRegionName } from './regions';

/** Every Spotbox setting, typed; the editor reads them in one place (src/config/settingsReader.ts). */
export interface SpotboxSettings {
  /** Regions Spotbox scans and launches in. */
  readonly regions: readonly string[];
  /** AWS profile name; empty means the SDK's default credential chain. */
  readonly awsProfile: string;
  /** Show the running-cost ticker in the status bar while a box runs. */
  readonly costTickerEnabled: boolean;
  /** Service answering the caller's public IP as plain text, for the SSH-only-from-here rule. */
  readonly checkIpUrl: string;
  /** IAM role AWS FIS assumes to rehearse an interruption; empty until the user sets one. */
  readonly fisRoleArn: string;
  /** The gcloud configuration Spotbox reads Google Cloud through; empty: Google Cloud is not connected. */
  readonly gcpConfiguration: string;
  /** A project chosen over the configuration's own; empty: the configuration's. */
  readonly gcpProject: string;
  /** The Azure subscription Spotbox reads (through the Azure CLI's active cloud); empty: Azure is not connected. */
  readonly azureSubscription: string;
}

export const SETTING_KEYS = {
  regions: 'regions',
  awsProfile: 'awsProfile',
  costTickerEnabled: 'statusBar.costTicker',
  checkIpUrl: 'checkIpUrl',
  fisRoleArn: 'fisRoleArn',
  gcpConfiguration: 'gcpConfiguration',
  gcpProject: 'gcpProject',
  azureSubscription: 'azureSubscription',
} as const satisfies Record<keyof SpotboxSettings, string>;

export type SettingKey = (typeof SETTING_KEYS)[keyof SpotboxSettings];

export const DEFAULT_SETTINGS: SpotboxSettings = {
  regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
  awsProfile: '',
  costTickerEnabled: true,
  checkIpUrl: 'https://checkip.amazonaws.com',
  fisRoleArn: '',
  gcpConfiguration: '',
  gcpProject: '',
  azureSubscription: '',
};

/** gcloud's own rule for configuration names, which also keeps the name inside configurations/. */
export const GCLOUD_CONFIGURATION_NAME = /^[a-z][-a-z0-9]*$/;
/** Google Cloud project ids: 6 to 30 lower-case letters, digits and dashes, starting with a letter. */
export const GCP_PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** An Azure subscription id: a GUID. */
export const AZURE_SUBSCRIPTION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Why a check-IP URL is refused, or undefined when it is fine. The answer decides which address
 * may SSH into the box, so a plain-http answer could be rewritten on the way: https only, except
 * for a loopback host (the sandbox serves its own on 127.0.0.1), which never leaves the machine.
 */
export function checkIpUrlProblem(raw: unknown): string | undefined {
  const text = typeof raw === 'string' ? raw.trim() : '';
  let url: URL | undefined;
  try {
    url = /^\S+$/.test(text) ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return 'spotbox.checkIpUrl must be an https URL that answers your public IP as plain text.';
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return `spotbox.checkIpUrl must use https: ${url.origin} answers over plain http, which anyone on the way could change to open SSH to their own address (http is allowed only for localhost).`;
  }
  return undefined;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export interface SettingsProblem {
  readonly key: SettingKey;
  readonly message: string;
}

/**
 * Turns raw configuration values into typed settings. A bad value falls back to its default and is
 * reported, so one typo does not disable the extension.
 */
/**
 * `environment` is the editor process's own (the way AWS_PROFILE reaches the SDK), which no
 * repository can set: `SPOTBOX_CHECK_IP_URL` there is the default check-IP service when the user
 * has set none (the sandbox's editor gets its own one so).
 */
export function parseSettings(read: (key: SettingKey) => unknown, environment: { readonly SPOTBOX_CHECK_IP_URL?: string } = {}): { settings: SpotboxSettings; problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  /** An optional string setting: empty by default; a value not matching `pattern` is reported and not used. */
  const readPattern = (key: SettingKey, pattern: RegExp, message: string): string => {
    const raw = read(key);
    if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return '';
    if (typeof raw === 'string' && pattern.test(raw.trim())) return raw.trim();
    problems.push({ key, message });
    return '';
  };

  const rawRegions = read(SETTING_KEYS.regions);
  let regions = DEFAULT_SETTINGS.regions;
  if (rawRegions !== undefined) {
    const list = Array.isArray(rawRegions) ? rawRegions : [];
    const valid = list.filter((region): region is string => typeof region === 'string' && isAwsRegionName(region));
    const invalid = list.filter((region) => !(typeof region === 'string' && isAwsRegionName(region)));
    if (!Array.isArray(rawRegions) || invalid.length > 0 || valid.length === 0) {
      problems.push({
        key: SETTING_KEYS.regions,
        message: `spotbox.regions has values that are not AWS region names (${invalid.map(String).join(', ') || 'empty list'}); use names like "us-east-1".`,
      });
    }
    if (valid.length > 0) {
      regions = [...new Set(valid)];
    }
  }

  const rawProfile = read(SETTING_KEYS.awsProfile);
  let awsProfile = DEFAULT_SETTINGS.awsProfile;
  if (typeof rawProfile === 'string' && /^[\w.@+-]*$/.test(rawProfile.trim())) {
    awsProfile = rawProfile.trim();
  } else if (rawProfile !== undefined) {
    problems.push({ key: SETTING_KEYS.awsProfile, message: 'spotbox.awsProfile must be a profile name from your AWS config file (letters, digits, . _ - @ +).' });
  }

  const rawTicker = read(SETTING_KEYS.costTickerEnabled);
  let costTickerEnabled = DEFAULT_SETTINGS.costTickerEnabled;
  if (typeof rawTicker === 'boolean') {
    costTickerEnabled = rawTicker;
  } else if (rawTicker !== undefined) {
    problems.push({ key: SETTING_KEYS.costTickerEnabled, message: 'spotbox.statusBar.costTicker must be true or false.' });
  }

  const rawCheckIp = read(SETTING_KEYS.checkIpUrl);
  const fromEnvironment = environment.SPOTBOX_CHECK_IP_URL;
  let checkIpUrl = fromEnvironment && checkIpUrlProblem(fromEnvironment) === undefined ? fromEnvironment.trim() : DEFAULT_SETTINGS.checkIpUrl;
  const checkIpProblem = rawCheckIp === undefined ? undefined : checkIpUrlProblem(rawCheckIp);
  if (typeof rawCheckIp === 'string' && checkIpProblem === undefined) {
    checkIpUrl = rawCheckIp.trim();
  } else if (checkIpProblem !== undefined) {
    problems.push({ key: SETTING_KEYS.checkIpUrl, message: `${checkIpProblem} Spotbox uses ${DEFAULT_SETTINGS.checkIpUrl} until you change it in your user settings.` });
  }

  // Only the type is checked here: the rehearsal checks the ARN's shape when it is used, with a
  // message that says what a role ARN looks like, instead of silently falling back to none.
  const rawFisRole = read(SETTING_KEYS.fisRoleArn);
  let fisRoleArn = DEFAULT_SETTINGS.fisRoleArn;
  if (typeof rawFisRole === 'string') {
    fisRoleArn = rawFisRole.trim();
  } else if (rawFisRole !== undefined) {
    problems.push({ key: SETTING_KEYS.fisRoleArn, message: 'spotbox.fisRoleArn must be an IAM role ARN (a string) such as arn:aws:iam::123456789012:role/SpotboxFisRole.' });
  }

  const gcpConfiguration = readPattern(SETTING_KEYS.gcpConfiguration, GCLOUD_CONFIGURATION_NAME, 'spotbox.gcpConfiguration must name a gcloud configuration (lower-case letters, digits and dashes), as `gcloud config configurations list` shows; pick one with Spotbox: Choose GCP Project.');
  const gcpProject = readPattern(SETTING_KEYS.gcpProject, GCP_PROJECT_ID, 'spotbox.gcpProject must be a Google Cloud project id such as my-project-123; pick one with Spotbox: Choose GCP Project.');

  const azureSubscription = readPattern(SETTING_KEYS.azureSubscription, AZURE_SUBSCRIPTION_ID, 'spotbox.azureSubscription must be an Azure subscription id (a GUID); pick one with Spotbox: Choose Azure Subscription.');

  return { settings: { regions, awsProfile, costTickerEnabled, checkIpUrl, fisRoleArn, gcpConfiguration, gcpProject, azureSubscription }, problems };
}
