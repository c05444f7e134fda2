/**
 * The Entra ID (Azure AD) endpoints a confidential client needs, on the sandbox's authority host:
 * - `GET /{tenant}/v2.0/.well-known/openid-configuration` (MSAL's authority metadata),
 * - `GET /common/discovery/instance` (instance discovery, which MSAL for Python still asks for),
 * - `GET /{tenant}/discovery/v2.0/keys` (the JWKS the tokens verify with),
 * - `POST /{tenant}/oauth2/v2.0/token` (client_credentials with a client secret and a `scope`),
 *   and the v1 `POST /{tenant}/oauth2/token` (with `resource`), which older clients use.
 * Errors are Entra's: `{error, error_description: "AADSTS…", error_codes, timestamp, trace_id, correlation_id}`.
 */
import { createPublicKey, randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { TestCertificates } from '../tls/testCertificates';
import { HttpsServer, readText, sendJson } from '../http/httpsServer';
import { ARM_AUDIENCE, type EntraTokens, STORAGE_AUDIENCE } from './entraTokens';
import type { ServicePrincipal } from './servicePrincipal';

/** Resources a token can be asked for (scope `<resource>/.default`), with the `aud` each gets. */
const RESOURCES: Record<string, string> = {
  'https://management.azure.com': ARM_AUDIENCE,
  // What the Azure CLI asks for (`active_directory_resource_id`); ARM accepts both audiences.
  'https://management.core.windows.net': 'https://management.core.windows.net/',
  'https://storage.azure.com': STORAGE_AUDIENCE,
};

export class EntraServer {
  private readonly server: HttpsServer;
  private url = '';

  constructor(
    private readonly principal: ServicePrincipal,
    private readonly tokens: EntraTokens,
    certificates: TestCertificates,
  ) {
    this.server = new HttpsServer(certificates, (req, res) => this.handle(req, res));
  }

  /** Answers the authority host (AZURE_AUTHORITY_HOST), e.g. https://127.0.0.1:P/ */
  async start(port = 0): Promise<{ authorityHost: string }> {
    const { url } = await this.server.start(port);
    this.url = url;
    return { authorityHost: `${url}/` };
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const parts = url.pathname.split('/').filter((part) => part !== '');
    const tenant = parts[0] ?? '';
    const rest = parts.slice(1).join('/').toLowerCase();
    if (req.method === 'GET' && tenant === 'common' && rest === 'discovery/instance') {
      sendJson(res, 200, this.instanceDiscovery(url.searchParams.get('authorization_endpoint')));
      return;
    }
    if (!this.knownTenant(tenant)) {
      this.fail(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
      return;
    }
    if (req.method === 'GET' && (rest === 'v2.0/.well-known/openid-configuration' || rest === '.well-known/openid-configuration')) {
      sendJson(res, 200, this.openIdConfiguration(rest.startsWith('v2.0')));
      return;
    }
    if (req.method === 'GET' && (rest === 'discovery/v2.0/keys' || rest === 'discovery/keys')) {
      const jwk = createPublicKey(this.principal.publicKeyPem).export({ format: 'jwk' });
      sendJson(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid: this.principal.signingKeyId, x5t: this.principal.signingKeyId, n: jwk.n, e: jwk.e, issuer: this.tokens.issuer }] });
      return;
    }
    if (rest === 'oauth2/v2.0/token' || rest === 'oauth2/token') {
      if (req.method !== 'POST') {
        this.fail(res, 405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
        return;
      }
      await this.token(req, res, rest === 'oauth2/token');
      return;
    }
    sendJson(res, 404, { error: 'not_found', error_description: `The sandbox's Entra ID has no ${req.method ?? ''} ${url.pathname}.` });
  }

  private knownTenant(tenant: string): boolean {
    // Microsoft's libraries may use the "organizations" alias for a tenant-less call.
    return tenant === this.principal.tenantId || tenant === 'organizations';
  }

  private openIdConfiguration(v2: boolean): Record<string, unknown> {
    const base = `${this.url}/${this.principal.tenantId}`;
    return {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: v2 ? `${base}/discovery/v2.0/keys` : `${base}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${base}/v2.0` : this.tokens.issuer,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.url}/oidc/userinfo`,
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: v2 ? `${base}/oauth2/v2.0/logout` : `${base}/oauth2/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'ver'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'NA',
      cloud_instance_name: new URL(this.url).host,
      cloud_graph_host_name: new URL(this.url).host,
      msgraph_host: new URL(this.url).host,
    };
  }

  private instanceDiscovery(authorizationEndpoint: string | null): Record<string, unknown> {
    const host = new URL(this.url).host;
    const tenant = authorizationEndpoint ? new URL(authorizationEndpoint).pathname.split('/')[1] || 'common' : 'common';
    return {
      tenant_discovery_endpoint: `${this.url}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  private async token(req: http.IncomingMessage, res: http.ServerResponse, v1: boolean): Promise<void> {
    const form = new URLSearchParams(await readText(req, 64 * 1024));
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':').map(decodeURIComponent) : [];
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials') {
      this.fail(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'. The sandbox supports client_credentials only.`);
      return;
    }
    const clientId = form.get('client_id') ?? basicId;
    if (clientId !== this.principal.clientId) {
      this.fail(res, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId ?? ''}' was not found in the directory '${this.principal.tenantId}'.`);
      return;
    }
    const secret = form.get('client_secret') ?? basicSecret;
    if (secret === undefined || secret === null) {
      this.fail(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
      return;
    }
    if (secret !== this.principal.clientSecret) {
      this.fail(res, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
      return;
    }
    const requested = v1 ? form.get('resource') ?? '' : form.get('scope') ?? '';
    const resource = v1 ? requested.replace(/\/+$/, '') : resourceOfScope(requested);
    const audience = resource === undefined ? undefined : RESOURCES[resource];
    if (audience === undefined) {
      this.fail(res, 400, 'invalid_scope', v1 ? 500011 : 1002012, v1
        ? `The resource principal named ${requested} was not found in the tenant named ${this.principal.tenantId}.`
        : `The provided value for scope ${requested} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
      return;
    }
    const { token, claims } = this.tokens.issue(audience);
    const lifetime = claims.exp - claims.iat;
    sendJson(res, 200, v1
      ? { token_type: 'Bearer', expires_in: String(lifetime), ext_expires_in: String(lifetime), expires_on: String(claims.exp), not_before: String(claims.nbf), resource: requested, access_token: token }
      : { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token },
    { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
  }

  private fail(res: http.ServerResponse, status: number, error: string, code: number, message: string): void {
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    sendJson(res, status, {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
    });
  }
}

/** `https://management.azure.com/.default` (or `…//.default`) -> `https://management.azure.com`; only one `.default` scope. */
function resourceOfScope(scope: string): string | undefined {
  const scopes = scope.split(/\s+/).filter((item) => item !== '' && !['openid', 'profile', 'offline_access'].includes(item));
  if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) {
    return undefined;
  }
  return scopes[0].slice(0, -'/.default'.length).replace(/\/+$/, '');
}

