/**
 * A box's SSH host keys. They live in the box folder and are made only once, so a box booted
 * again after a sandbox restart presents the same host key (clients that pinned it still trust it).
 */
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';

const execFileAsync = promisify(execFile);

export interface HostKey {
  readonly privateKeyPath: string;
  /** e.g. 'ssh-ed25519' */
  readonly algorithm: string;
  /** base64 key blob as in the .pub file */
  readonly blobBase64: string;
  /** 'ED25519', 'ECDSA', ... as ssh-keygen -l prints it */
  readonly label: string;
  readonly bits: number;
  /** 'SHA256:...' exactly as ssh-keygen -lf prints it */
  readonly fingerprint: string;
}

const KEY_TYPES: ReadonlyArray<{ type: string; file: string; label: string; bits: number }> = [
  { type: 'ecdsa', file: 'ssh_host_ecdsa_key', label: 'ECDSA', bits: 256 },
  { type: 'ed25519', file: 'ssh_host_ed25519_key', label: 'ED25519', bits: 256 },
];

/** SHA256 of the key blob, base64 without padding: what OpenSSH shows and clients compare. */
export function sha256Fingerprint(blobBase64: string): string {
  const digest = createHash('sha256').update(Buffer.from(blobBase64, 'base64')).digest('base64');
  return 'SHA256:' + digest.replace(/=+$/, '');
}

export async function ensureHostKeys(dir: string, comment: string): Promise<HostKey[]> {
  await fs.promises.mkdir(dir, { recursive: true });
  const keys: HostKey[] = [];
  for (const kt of KEY_TYPES) {
    const privateKeyPath = path.join(dir, kt.file);
    if (!fs.existsSync(privateKeyPath) || !fs.existsSync(privateKeyPath + '.pub')) {
      await fs.promises.rm(privateKeyPath, { force: true });
      await fs.promises.rm(privateKeyPath + '.pub', { force: true });
      await execFileAsync('ssh-keygen', ['-q', '-t', kt.type, '-N', '', '-C', comment, '-f', privateKeyPath]);
    }
    const [algorithm, blobBase64] = (await fs.promises.readFile(privateKeyPath + '.pub', 'utf8')).trim().split(/\s+/);
    keys.push({ privateKeyPath, algorithm, blobBase64, label: kt.label, bits: kt.bits, fingerprint: sha256Fingerprint(blobBase64) });
  }
  return keys;
}
