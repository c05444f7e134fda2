import { Ec2Error } from './errors';

/**
 * The region of an EC2 call is the SigV4 credential scope (one endpoint serves every region).
 * Signatures are not verified (the sandbox uses dummy keys) but the scope must be well formed,
 * so a client that forgot to sign, or signs for another service, is caught like on AWS.
 */
const SCOPE = /^([^/\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request$/;

export interface CredentialScope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

function parseScope(credential: string): CredentialScope {
  const m = SCOPE.exec(credential.trim());
  if (!m) throw new Ec2Error('AuthFailure', `Credential is malformed: '${credential}'.`);
  return { accessKeyId: m[1], region: m[3], service: m[4] };
}

export function credentialScope(authorization: string | undefined, query: URLSearchParams): CredentialScope {
  let scope: CredentialScope;
  if (authorization) {
    const m = /^AWS4-HMAC-SHA256\s+(.*)$/i.exec(authorization.trim());
    if (!m) throw new Ec2Error('AuthFailure', 'Authorization header is not a AWS4-HMAC-SHA256 signature.');
    const parts = new Map<string, string>();
    for (const piece of m[1].split(',')) {
      const eq = piece.indexOf('=');
      if (eq > 0) parts.set(piece.slice(0, eq).trim().toLowerCase(), piece.slice(eq + 1).trim());
    }
    const credential = parts.get('credential');
    if (!credential || !parts.get('signature') || !parts.get('signedheaders')) {
      throw new Ec2Error('AuthFailure', 'Authorization header requires Credential, SignedHeaders and Signature.');
    }
    scope = parseScope(credential);
  } else {
    const credential = query.get('X-Amz-Credential');
    if (!credential) {
      throw new Ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation: the request is not signed (AWS Signature Version 4).');
    }
    if (!query.get('X-Amz-Signature')) throw new Ec2Error('AuthFailure', 'Presigned request lacks X-Amz-Signature.');
    scope = parseScope(credential);
  }
  if (scope.service !== 'ec2') {
    throw new Ec2Error('AuthFailure', `Credential should be scoped to correct service: 'ec2', not '${scope.service}'.`);
  }
  return scope;
}
