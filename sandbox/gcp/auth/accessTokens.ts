import { randomBytes, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { verifyServiceAccountJwt } from './jwtAssertion';

export interface IssuedToken {
  readonly token: string;
  readonly principal: string;
  readonly scopes: readonly string[];
  readonly expiresAtMs: number;
}

/** Google's access tokens live an hour. */
export const TOKEN_LIFETIME_SECONDS = 3600;

/**
 * The OAuth access tokens the sandbox has issued (to the test service account through the token
 * endpoint, or to a box through its metadata server). Compute and GCS accept exactly these. With a
 * file they outlive a sandbox restart, as Google's live their hour whatever happens to a server:
 * gcloud and the boxes keep the tokens they cached.
 */
export class AccessTokens {
  private readonly issued = new Map<string, IssuedToken>();
  private readonly selfSigners: Array<{ email: string; publicKey: KeyObject }> = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly file?: string,
  ) {
    if (file && fs.existsSync(file)) {
      try {
        for (const token of JSON.parse(fs.readFileSync(file, 'utf8')) as IssuedToken[]) this.issued.set(token.token, token);
      } catch {
        // A damaged file loses the old tokens only: clients ask for new ones, as after a revocation.
      }
      this.prune();
    }
  }

  issue(principal: string, scopes: readonly string[], lifetimeSeconds = TOKEN_LIFETIME_SECONDS): IssuedToken {
    this.prune();
    // The `ya29.` prefix is what Google's tokens start with; some clients log only that much.
    const token: IssuedToken = {
      token: `ya29.sandbox-${randomBytes(32).toString('base64url')}`,
      principal,
      scopes: [...scopes],
      expiresAtMs: this.now() + lifetimeSeconds * 1000,
    };
    this.issued.set(token.token, token);
    if (this.file) fs.writeFileSync(this.file, JSON.stringify([...this.issued.values()]), { mode: 0o600 });
    return token;
  }

  /**
   * Google's APIs also take a service account's self-signed JWT as the bearer (google-auth-library
   * sends one when no scopes are asked for); accept those signed by this account's key.
   */
  acceptSelfSignedJwts(email: string, publicKey: KeyObject): void {
    this.selfSigners.push({ email, publicKey });
  }

  /** The live token for that bearer string, or undefined (unknown, expired, or a JWT with a bad signature). */
  verify(bearer: string): IssuedToken | undefined {
    const token = this.issued.get(bearer);
    if (token) {
      return token.expiresAtMs > this.now() ? token : undefined;
    }
    if (bearer.split('.').length === 3) {
      for (const signer of this.selfSigners) {
        try {
          const claims = verifyServiceAccountJwt(bearer, signer.publicKey, this.now());
          if (claims.iss === signer.email) {
            return { token: bearer, principal: signer.email, scopes: (claims.scope ?? '').split(' ').filter(Boolean), expiresAtMs: (claims.exp ?? 0) * 1000 };
          }
        } catch {
          // Not signed by this account.
        }
      }
    }
    return undefined;
  }

  private prune(): void {
    for (const [key, token] of this.issued) {
      if (token.expiresAtMs <= this.now()) {
        this.issued.delete(key);
      }
    }
  }
}
