import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AuthClient, GoogleAuth } from 'google-auth-library';
import { SpotboxError } from '../errors';
import type { GcloudConfig } from './gcloudConfig';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Where google-auth-library 10.x sends every service-account and refresh-token grant. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export const NO_CREDENTIALS_STEP = 'Run `gcloud auth application-default login` or choose a configuration whose credentials work (Spotbox: Choose GCP Project).';

/** Where Application Default Credentials come from, in ADC's order. */
export type CredentialSource =
  | { readonly kind: 'file'; readonly file: string; readonly origin: 'credential_file_override' | 'GOOGLE_APPLICATION_CREDENTIALS' | 'application-default login' }
  | { readonly kind: 'metadata' };

/**
 * `[auth] credential_file_override`, else `GOOGLE_APPLICATION_CREDENTIALS`, else the file
 * `gcloud auth application-default login` writes (in the gcloud config folder), else the metadata
 * server. A file that is named but missing is an error, not a reason to try the next source: a user
 * who named it meant it.
 */
export function credentialSource(config: GcloudConfig, env: NodeJS.ProcessEnv = process.env, exists: (file: string) => boolean = fs.existsSync): CredentialSource {
  const named: Array<[string | undefined, 'credential_file_override' | 'GOOGLE_APPLICATION_CREDENTIALS']> = [
    [config.credentialFileOverride, 'credential_file_override'],
    [env.GOOGLE_APPLICATION_CREDENTIALS?.trim() || undefined, 'GOOGLE_APPLICATION_CREDENTIALS'],
  ];
  for (const [file, origin] of named) {
    if (!file) continue;
    if (!exists(file)) {
      throw new SpotboxError(`The credentials file ${file} (named by ${origin === 'credential_file_override' ? `auth/credential_file_override of gcloud configuration "${config.configuration}"` : 'GOOGLE_APPLICATION_CREDENTIALS'}) does not exist.`, `Fix ${origin}, or ${NO_CREDENTIALS_STEP[0].toLowerCase()}${NO_CREDENTIALS_STEP.slice(1)}`);
    }
    return { kind: 'file', file, origin };
  }
  const wellKnown = path.join(config.configDir, 'application_default_credentials.json');
  return exists(wellKnown) ? { kind: 'file', file: wellKnown, origin: 'application-default login' } : { kind: 'metadata' };
}

export interface GcpAuthOptions {
  readonly config: GcloudConfig;
  readonly env?: NodeJS.ProcessEnv;
  readonly scopes?: readonly string[];
  /** The library, for tests that count loads; `import('google-auth-library')` otherwise. */
  readonly loadLibrary?: () => Promise<typeof import('google-auth-library')>;
  readonly fetch?: typeof fetch;
}

type CredentialJson = { type?: string; token_uri?: string; project_id?: string; quota_project_id?: string; client_email?: string };

/**
 * Application Default Credentials through google-auth-library, loaded on first use so that it stays
 * out of the extension's activation. Google's token endpoint is the library's default; a key whose
 * `token_uri` names another (the sandbox's, a private endpoint) gets its grants sent there, because
 * google-auth-library 10.x ignores `token_uri` (gtoken and the refresh client both post to
 * oauth2.googleapis.com) while gcloud and Python's google-auth honour it. The JWT's `aud` stays the
 * library's (Google's token URL): a token endpoint other than Google's must accept that audience.
 */
export class GcpAuth {
  private client: Promise<{ client: AuthClient; json?: CredentialJson }> | undefined;

  constructor(private readonly options: GcpAuthOptions) {}

  /** Which source ADC will use (no network, no library load). */
  source(): CredentialSource {
    return credentialSource(this.options.config, this.options.env ?? process.env);
  }

  /** Headers that authorize a call to `url` (Authorization: Bearer, x-goog-user-project where the credentials name one). */
  async requestHeaders(url: string): Promise<Headers> {
    const { client } = await this.authClient();
    try {
      return await client.getRequestHeaders(url);
    } catch (error) {
      throw credentialsError(error, this.describeSource());
    }
  }

  /** The bearer token alone (cached and refreshed by the library). */
  async accessToken(): Promise<string> {
    const headers = await this.requestHeaders(this.options.config.endpoints.compute);
    const value = headers.get('authorization') ?? '';
    const token = /^Bearer (.+)$/i.exec(value)?.[1];
    if (!token) throw new SpotboxError(`The Google credentials (${this.describeSource()}) gave no access token.`, NO_CREDENTIALS_STEP);
    return token;
  }

  /** `fetch` with the credentials' headers added. */
  async authorizedFetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    (await this.requestHeaders(url)).forEach((value, name) => headers.set(name, value));
    return (this.options.fetch ?? fetch)(url, { ...init, headers });
  }

  /** The project the credentials belong to (`project_id` or `quota_project_id`), a fallback when gcloud names none. */
  async credentialsProject(): Promise<string | undefined> {
    const { json } = await this.authClient();
    return json?.project_id || json?.quota_project_id || undefined;
  }

  /** Where the credentials come from, as a user names it: "<file>, from <how it was named>" or the metadata server. */
  describeSource(): string {
    const source = this.source();
    return source.kind === 'file' ? `${source.file}, from ${source.origin}` : 'the metadata server';
  }

  private authClient(): Promise<{ client: AuthClient; json?: CredentialJson }> {
    if (!this.client) {
      const created = this.createClient();
      this.client = created;
      // A failure is not kept: the next call tries again (after a `gcloud auth ... login`).
      created.catch(() => {
        if (this.client === created) this.client = undefined;
      });
    }
    return this.client;
  }

  private async createClient(): Promise<{ client: AuthClient; json?: CredentialJson }> {
    const source = this.source();
    const json = source.kind === 'file' ? readCredentialJson(source.file) : undefined;
    const library = await (this.options.loadLibrary ?? (() => import('google-auth-library')))();
    const scopes = [...(this.options.scopes ?? [CLOUD_PLATFORM_SCOPE])];
    const auth: GoogleAuth = json ? new library.GoogleAuth({ credentials: json as never, scopes }) : new library.GoogleAuth({ scopes });
    let client: AuthClient;
    try {
      client = await auth.getClient();
    } catch (error) {
      throw credentialsError(error, source.kind === 'file' ? `${source.file}, from ${source.origin}` : 'the metadata server');
    }
    const tokenUri = json?.token_uri;
    if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL) redirectTokenRequests(client, tokenUri);
    return { client, ...(json ? { json } : {}) };
  }
}

/** Sends the library's grants for Google's token URL to `tokenUri` instead (see GcpAuth). */
export function redirectTokenRequests(client: AuthClient, tokenUri: string): void {
  const target = new URL(tokenUri);
  client.transporter.interceptors.request.add({
    resolved: async (options) => {
      if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(target);
      return options;
    },
  });
}

function readCredentialJson(file: string): CredentialJson {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SpotboxError(`Cannot read the Google credentials file ${file}: ${(error as Error).message}.`, NO_CREDENTIALS_STEP, { cause: error });
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) return json;
  } catch (error) {
    throw new SpotboxError(`The Google credentials file ${file} is not JSON.`, NO_CREDENTIALS_STEP, { cause: error });
  }
  throw new SpotboxError(`The Google credentials file ${file} is not a JSON object.`, NO_CREDENTIALS_STEP);
}

/** The library's errors, as one a user can act on. */
export function credentialsError(error: unknown, source: string): SpotboxError {
  if (error instanceof SpotboxError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/Could not load the default credentials/i.test(message)) {
    return new SpotboxError('No Google Cloud credentials found (no credentials file, and no metadata server answered).', NO_CREDENTIALS_STEP, { cause: error });
  }
  if (/invalid_grant|invalid_client|unauthorized_client|reauth|RAPT/i.test(message)) {
    return new SpotboxError(`Google refused the credentials (${source}): ${message}.`, `The login or key has expired or been revoked. ${NO_CREDENTIALS_STEP}`, { cause: error });
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|fetch failed/i.test(message)) {
    return new SpotboxError(`Cannot reach the token endpoint for the Google credentials (${source}): ${message}.`, 'Check the network or proxy, then try again.', { cause: error });
  }
  return new SpotboxError(`Getting a Google access token (${source}) failed: ${message}.`, NO_CREDENTIALS_STEP, { cause: error });
}
