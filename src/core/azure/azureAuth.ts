import type { AccessToken, TokenCredential } from '@azure/identity';
import { SpotboxError } from '../errors';
import type { AzureCliConfig } from './azureCliConfig';
import type { ArmTokenSource } from './armHttp';

export const NO_AZURE_CREDENTIALS_STEP = 'Run `az login` (or sign in to Microsoft in VS Code\'s Accounts menu), then Spotbox: Choose Azure Subscription.';

/** A token is renewed this long before it expires, so a long launch never sends a stale one. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface AzureIdentityOptions {
  readonly config: AzureCliConfig;
  /** What the token is for; ARM's (`armScopeOf`) by default, `STORAGE_SCOPE` for Blob storage. */
  readonly scope?: string;
  /** The library, for tests that count loads; `import('@azure/identity')` otherwise. */
  readonly loadLibrary?: () => Promise<typeof import('@azure/identity')>;
}

/** Blob storage's scope, the same in every cloud. */
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/** `<audience>/.default`: the scope Entra ID issues ARM tokens for. */
export function armScopeOf(config: AzureCliConfig): string {
  return `${config.endpoints.resourceManagerAudience.replace(/\/+$/, '')}/.default`;
}

/**
 * ARM tokens through `@azure/identity` (loaded on first use, to stay out of activation), in its
 * usual order: a service principal from the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID,
 * AZURE_CLIENT_SECRET or a certificate; AZURE_AUTHORITY_HOST), the Azure CLI's login, then a
 * managed identity. The authority is the active cloud's; instance discovery (a call to
 * login.microsoftonline.com about the authority) is only asked of Microsoft's own authorities.
 */
export class AzureIdentityTokens implements ArmTokenSource {
  private credential: Promise<TokenCredential> | undefined;
  private cached: AccessToken | undefined;

  constructor(private readonly options: AzureIdentityOptions) {}

  async token(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.cached.expiresOnTimestamp - RENEW_BEFORE_MS > Date.now()) return this.cached.token;
    const credential = await this.credentialOnce();
    let token: AccessToken | null;
    try {
      token = await credential.getToken(this.options.scope ?? armScopeOf(this.options.config), signal ? { abortSignal: signal } : {});
    } catch (error) {
      throw new SpotboxError(`No Azure credentials worked for cloud "${this.options.config.cloudName}": ${firstLine(error)}`, NO_AZURE_CREDENTIALS_STEP, { cause: error });
    }
    if (!token) throw new SpotboxError(`No Azure credentials are available for cloud "${this.options.config.cloudName}".`, NO_AZURE_CREDENTIALS_STEP);
    this.cached = token;
    return token.token;
  }

  private credentialOnce(): Promise<TokenCredential> {
    this.credential ??= this.createCredential();
    return this.credential;
  }

  private async createCredential(): Promise<TokenCredential> {
    const library = await (this.options.loadLibrary ?? (() => import('@azure/identity')))();
    const { endpoints } = this.options.config;
    const authority = { authorityHost: endpoints.activeDirectory, disableInstanceDiscovery: !endpoints.knownAuthority };
    return new library.ChainedTokenCredential(new library.EnvironmentCredential(authority), new library.AzureCliCredential(), new library.ManagedIdentityCredential());
  }
}

/** The first line of an identity error (the chain's AggregateAuthenticationError lists each credential's reason). */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').map((line) => line.trim()).filter(Boolean).slice(0, 4).join(' ');
}
