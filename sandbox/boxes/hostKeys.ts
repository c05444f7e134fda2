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

/** A host key handed to the box from outside (cloud-init's `ssh_keys`): the box presents it and no other. */
export interface InjectedHostKey {
  readonly type: 'ed25519' | 'ecdsa' | 'rsa';
  /** OpenSSH private key file text. */
  readonly privateKey: string;
  /** The `.pub` line; derived from the private key when absent. */
  readonly publicKey?: string;
}

/**
 * Writes injected keys where ensureHostKeys would have made them, as cloud-init's cc_ssh writes
 * `ssh_keys` to /etc/ssh (after deleting the image's keys when `ssh_deletekeys`, its default).
 */
export async function installHostKeys(dir: string, injected: readonly InjectedHostKey[], deleteExisting: boolean): Promise<HostKey[]> {
  await fs.promises.mkdir(dir, { recursive: true });
  if (deleteExisting) {
    for (const name of await fs.promises.readdir(dir)) {
      if (name.startsWith('ssh_host_')) {
        await fs.promises.rm(path.join(dir, name), { force: true });
      }
    }
  }
  const keys: HostKey[] = [];
  for (const key of injected) {
    const privateKeyPath = path.join(dir, `ssh_host_${key.type}_key`);
    await fs.promises.writeFile(privateKeyPath, key.privateKey.endsWith('\n') ? key.privateKey : key.privateKey + '\n', { mode: 0o600 });
    const publicLine = key.publicKey?.trim() || (await execFileAsync('ssh-keygen', ['-y', '-f', privateKeyPath])).stdout.trim();
    await fs.promises.writeFile(privateKeyPath + '.pub', publicLine + '\n', { mode: 0o644 });
    // "256 SHA256:... comment (ED25519)": the size and name as ssh-keygen reports them, not guessed from the type.
    const listed = (await execFileAsync('ssh-keygen', ['-l', '-f', privateKeyPath + '.pub'])).stdout.trim();
    const [, bits, label] = /^(\d+) \S+ .*\((\w+)\)$/.exec(listed) ?? [];
    const [algorithm, blobBase64] = publicLine.split(/\s+/);
    keys.push({ privateKeyPath, algorithm, blobBase64, label: label ?? key.type.toUpperCase(), bits: Number(bits ?? 0), fingerprint: sha256Fingerprint(blobBase64) });
  }
  return keys;
}
