/**
 * The sandbox's tenant, its subscription and its one service principal (an app registration with a client secret),
 * plus the key Entra signs tokens with. Generated once and kept in `<sandbox>/azure/`, so the
 * environment handed out earlier (AZURE_CLIENT_SECRET …) stays valid across restarts.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';

export interface ServicePrincipal {
  readonly tenantId: string;
  /** The sandbox's one subscription, in that tenant. */
  readonly subscriptionId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The service principal's object id: `oid` of its tokens. */
  readonly objectId: string;
  /** Key id (`kid`) and the RS256 key pair Entra signs with. */
  readonly signingKeyId: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export function loadOrCreateServicePrincipal(file: string): ServicePrincipal {
  if (fs.existsSync(file)) {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ServicePrincipal;
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const principal: ServicePrincipal = {
    tenantId: randomUUID(),
    subscriptionId: randomUUID(),
    clientId: randomUUID(),
    // Entra's secrets are 40 characters with a `~` in them; any unguessable text works the same.
    clientSecret: `${randomBytes(6).toString('base64url')}~${randomBytes(24).toString('base64url')}`,
    objectId: randomUUID(),
    signingKeyId: randomBytes(20).toString('base64url'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  fs.writeFileSync(file, JSON.stringify(principal, null, 2), { mode: 0o600 });
  return principal;
}
