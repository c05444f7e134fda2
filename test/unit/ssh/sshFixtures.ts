import { generateKeyPairSync } from 'node:crypto';
import { fingerprintOfKeyBlob } from '../../../src/core/ssh/hostKeyFingerprints';

/** A fresh ed25519 public key as an SSH wire-format blob, with its fingerprint. */
export function ed25519Blob(): { blob: Buffer; base64: string; fingerprint: string } {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return { blob, base64: blob.toString('base64'), fingerprint: fingerprintOfKeyBlob(blob) };
}

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** Console text in cloud-init's shape, with a fingerprint block and a keys block. */
export function consoleText(fingerprints: string[], keyLines: string[]): string {
  return [
    'Cloud-init v. 24.1 running',
    '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
    ...fingerprints.map((fingerprint) => `256 ${fingerprint} root@ip-10-0-0-1 (ED25519)`),
    '-----END SSH HOST KEY FINGERPRINTS-----',
    'ip-10-0-0-1 login: ',
    '-----BEGIN SSH HOST KEY KEYS-----',
    ...keyLines,
    '-----END SSH HOST KEY KEYS-----',
    '',
  ].join('\n');
}
