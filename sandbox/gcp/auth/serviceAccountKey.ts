/**
 * The sandbox's test service account: an RSA key made once per sandbox folder, written as the key
 * file `gcloud iam service-accounts keys create` would give (type service_account), except that
 * `token_uri` points at the sandbox's token endpoint, which verifies assertions against this key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ServiceAccountKey {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly clientId: string;
  readonly privateKeyId: string;
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
}

interface KeyFileJson {
  type: string;
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

/** Loads the key kept in `file` from an earlier run (so pinned configurations stay valid), or makes one. */
export function loadOrCreateServiceAccountKey(file: string, projectId: string): ServiceAccountKey {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFileJson;
    if (json.type === 'service_account' && json.project_id === projectId && json.private_key) {
      return {
        projectId,
        clientEmail: json.client_email,
        clientId: json.client_id,
        privateKeyId: json.private_key_id,
        privateKeyPem: json.private_key,
        publicKey: createPublicKey(createPrivateKey(json.private_key)),
      };
    }
  } catch {
    // No usable key from an earlier run: make one.
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Google's client ids are 21-digit numbers; private_key_id is a 40-hex SHA-1-like id.
  const clientId = '1' + BigInt('0x' + randomBytes(9).toString('hex')).toString().padStart(20, '0').slice(0, 20);
  return {
    projectId,
    clientEmail: `spotbox-sandbox@${projectId}.iam.gserviceaccount.com`,
    clientId,
    privateKeyId: createHash('sha1').update(privateKeyPem).digest('hex'),
    privateKeyPem,
    publicKey,
  };
}

/** Writes the key file (mode 600, as gcloud writes keys) naming the token endpoint; answers its path. */
export function writeServiceAccountKeyFile(file: string, key: ServiceAccountKey, tokenUri: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const json = {
    type: 'service_account',
    project_id: key.projectId,
    private_key_id: key.privateKeyId,
    private_key: key.privateKeyPem,
    client_email: key.clientEmail,
    client_id: key.clientId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(key.clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}
