/**
 * Verifying a service account's RS256 JWT the way Google's token endpoint does for the
 * jwt-bearer grant (and its APIs do for a self-signed JWT used directly as the bearer).
 */
import { createVerify, type KeyObject } from 'node:crypto';

export interface JwtClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string;
  readonly scope?: string;
  readonly iat?: number;
  readonly exp?: number;
}

/** Why Google refuses an assertion (`error_description` of an `invalid_grant`). */
export class InvalidJwt extends Error {}

/** Google allows this much clock skew, and at most an hour between iat and exp. */
const SKEW_SECONDS = 300;
const MAX_LIFETIME_SECONDS = 3600;

export function verifyServiceAccountJwt(jwt: string, publicKey: KeyObject, nowMs: number): JwtClaims {
  const parts = jwt.split('.');
  if (parts.length !== 3) {
    throw new InvalidJwt('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
  }
  const [headerPart, payloadPart, signaturePart] = parts;
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: string };
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    throw new InvalidJwt('Invalid JWT: could not decode the header or the claims.');
  }
  if (header.alg !== 'RS256') {
    throw new InvalidJwt(`Invalid JWT: unsupported algorithm ${String(header.alg)} (only RS256).`);
  }
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${headerPart}.${payloadPart}`);
  if (!verifier.verify(publicKey, Buffer.from(signaturePart, 'base64url'))) {
    throw new InvalidJwt('Invalid JWT Signature.');
  }
  const now = nowMs / 1000;
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.iat > now + SKEW_SECONDS || claims.exp < now - SKEW_SECONDS || claims.exp - claims.iat > MAX_LIFETIME_SECONDS) {
    throw new InvalidJwt('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
  }
  return claims;
}
