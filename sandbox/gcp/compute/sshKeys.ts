/**
 * The `ssh-keys` metadata item as GCE's guest agent reads it: one `user:ssh-ed25519 AAAA... comment`
 * a line; a key whose comment is `google-ssh {"userName":..,"expireOn":..}` is ignored once expired.
 */

export interface MetadataSshKey {
  readonly user: string;
  /** The OpenSSH public key line without the `user:` prefix. */
  readonly publicKey: string;
}

const USER = /^[a-z_][a-z0-9_.-]{0,31}$/;
const KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]+( .*)?$/;

export function parseSshKeys(value: string | undefined, nowMs: number): MetadataSshKey[] {
  const keys: MetadataSshKey[] = [];
  for (const line of (value ?? '').split('\n')) {
    const separator = line.indexOf(':');
    if (separator <= 0) {
      continue;
    }
    const user = line.slice(0, separator).trim();
    const publicKey = line.slice(separator + 1).trim();
    if (!USER.test(user) || user === 'root' || !KEY.test(publicKey) || expired(publicKey, nowMs)) {
      continue;
    }
    keys.push({ user, publicKey });
  }
  return keys;
}

function expired(publicKey: string, nowMs: number): boolean {
  const marker = publicKey.indexOf(' google-ssh ');
  if (marker < 0) {
    return false;
  }
  try {
    const expireOn = (JSON.parse(publicKey.slice(marker + ' google-ssh '.length)) as { expireOn?: string }).expireOn;
    return expireOn !== undefined && Date.parse(expireOn) <= nowMs;
  } catch {
    return false;
  }
}
