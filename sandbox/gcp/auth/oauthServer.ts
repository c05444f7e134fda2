/**
 * Google's OAuth 2.0 token endpoint (oauth2.googleapis.com/token) for the sandbox's service
 * account: the JWT-bearer grant of a service-account key file. The assertion's RS256 signature
 * is checked against the key the sandbox issued; a good one earns an access token Compute and
 * GCS accept. Errors are OAuth's `{"error": "invalid_grant", "error_description": ...}`.
 */
import * as http from 'node:http';
import { closeServer, listen } from '../../http/serverUtil';
import { AccessTokens, TOKEN_LIFETIME_SECONDS } from './accessTokens';
import { InvalidJwt, verifyServiceAccountJwt } from './jwtAssertion';
import type { ServiceAccountKey } from './serviceAccountKey';
import { readRaw } from '../http/googleHttp';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export class OAuthServer {
  private server?: http.Server;
  private tokenUri = '';

  constructor(
    private readonly key: ServiceAccountKey,
    private readonly tokens: AccessTokens,
    private readonly now: () => number = Date.now,
  ) {}

  async start(port = 0): Promise<{ url: string; tokenUri: string }> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    const { url } = await listen(server, port, '127.0.0.1');
    this.server = server;
    this.tokenUri = `${url}/token`;
    return { url, tokenUri: this.tokenUri };
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return closeServer(server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate' });
      res.end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://oauth').pathname;
    if (path !== '/token') {
      reply(404, { error: 'not_found', error_description: `no such endpoint ${path}` });
      return;
    }
    if (req.method !== 'POST') {
      reply(405, { error: 'invalid_request', error_description: 'Only POST is allowed.' });
      return;
    }
    try {
      const form = new URLSearchParams((await readRaw(req, 64 * 1024)).toString('utf8'));
      const grantType = form.get('grant_type');
      if (grantType !== JWT_BEARER) {
        reply(400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${grantType ?? ''}` });
        return;
      }
      const claims = verifyServiceAccountJwt(form.get('assertion') ?? '', this.key.publicKey, this.now());
      if (claims.iss !== this.key.clientEmail) {
        throw new InvalidJwt('Invalid JWT: the issuer is not this service account.');
      }
      if (claims.aud !== this.tokenUri && claims.aud !== 'https://oauth2.googleapis.com/token') {
        throw new InvalidJwt(`Invalid JWT: audience ${String(claims.aud)} is not the token endpoint ${this.tokenUri}.`);
      }
      const scopes = (claims.scope ?? '').split(/\s+/).filter((scope) => scope !== '');
      if (scopes.length === 0) {
        // Google answers an assertion without scope (and without target_audience) this way.
        reply(400, { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' });
        return;
      }
      const token = this.tokens.issue(this.key.clientEmail, scopes);
      reply(200, { access_token: token.token, expires_in: TOKEN_LIFETIME_SECONDS - 1, token_type: 'Bearer' });
    } catch (error) {
      if (error instanceof InvalidJwt) {
        reply(400, { error: 'invalid_grant', error_description: error.message });
      } else {
        reply(500, { error: 'internal_failure', error_description: String(error) });
      }
    }
  }
}
