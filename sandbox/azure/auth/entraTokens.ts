/**
 * Access tokens as Entra ID v1 issues them for ARM and Storage: RS256 JWTs with `aud` (the
 * resource), `iss` https://sts.windows.net/{tenant}/, `tid`, `oid`, `appid`, `nbf`/`iat`/`exp`.
 * ARM checks the signature against the sandbox's key; Azurite in `--oauth basic` mode checks the
 * claims but not the signature, as its documentation says.
 */
import { createSign, createVerify } from 'node:crypto';
import type { ServicePrincipal } from './servicePrincipal';

export const ARM_AUDIENCE = 'https://management.azure.com/';
export const STORAGE_AUDIENCE = 'https://storage.azure.com';
/** Entra's default lifetime for these tokens is 60–90 minutes; the sandbox uses the low end. */
export const TOKEN_LIFETIME_SECONDS = 3600;

export interface TokenClaims {
  readonly aud: string;
  readonly iss: string;
  readonly tid: string;
  readonly oid: string;
  readonly sub: string;
  readonly appid?: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly [claim: string]: unknown;
}

export class EntraTokens {
  constructor(
    private readonly principal: ServicePrincipal,
    private readonly now: () => number = Date.now,
  ) {}

  get issuer(): string {
    return `https://sts.windows.net/${this.principal.tenantId}/`;
  }

  /** A token for `audience`, for the service principal or, with `objectId`, for a VM's managed identity. */
  issue(audience: string, subject: { objectId: string; appId?: string } = { objectId: this.principal.objectId, appId: this.principal.clientId }): { token: string; claims: TokenClaims } {
    const seconds = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      aud: audience,
      iss: this.issuer,
      iat: seconds,
      nbf: seconds - 300,
      exp: seconds + TOKEN_LIFETIME_SECONDS,
      tid: this.principal.tenantId,
      oid: subject.objectId,
      sub: subject.objectId,
      ...(subject.appId ? { appid: subject.appId, appidacr: '1' } : {}),
      idtyp: 'app',
      ver: '1.0',
    };
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ typ: 'JWT', alg: 'RS256', kid: this.principal.signingKeyId, x5t: this.principal.signingKeyId })}.${encode(claims)}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(this.principal.privateKeyPem).toString('base64url');
    return { token: `${unsigned}.${signature}`, claims };
  }

  /** The claims of a token this sandbox signed for `audience`, still valid; undefined otherwise. */
  verify(token: string, audiences: readonly string[]): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) {
      return undefined;
    }
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as { alg?: string };
      if (header.alg !== 'RS256') {
        return undefined;
      }
      const good = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`).verify(this.principal.publicKeyPem, Buffer.from(parts[2], 'base64url'));
      if (!good) {
        return undefined;
      }
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
      const seconds = Math.floor(this.now() / 1000);
      const audienceOk = audiences.some((audience) => audience.replace(/\/$/, '') === String(claims.aud).replace(/\/$/, ''));
      if (!audienceOk || claims.iss !== this.issuer || claims.tid !== this.principal.tenantId || claims.exp <= seconds || claims.nbf > seconds + 300) {
        return undefined;
      }
      return claims;
    } catch {
      return undefined;
    }
  }
}
