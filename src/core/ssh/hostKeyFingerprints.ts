import { createHash } from 'node:crypto';

export interface HostKeyFingerprint {
  /** e.g. ED25519, ECDSA, RSA */
  readonly keyType: string;
  /** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
}

const BLOCK = /-----BEGIN SSH HOST KEY FINGERPRINTS-----([\s\S]*?)-----END SSH HOST KEY FINGERPRINTS-----/g;
// cloud-init prints e.g. "256 SHA256:abc... root@ip-10-0-0-1 (ED25519)"; the console may prefix lines
// with a timestamp or "ec2: ", so the pattern is not anchored at the line start.
const LINE = /\b\d+ (SHA256:[A-Za-z0-9+/]+={0,2}) \S+ \(([A-Z0-9-]+)\)/;

/**
 * The host key fingerprints a box printed to its console at first boot (GetConsoleOutput), so a
 * connection can be pinned to them instead of trusting the first key it sees. The last block wins:
 * a console log can hold several boots.
 */
export function parseConsoleHostKeyFingerprints(consoleText: string): HostKeyFingerprint[] {
  const blocks = [...consoleText.matchAll(BLOCK)];
  const last = blocks.at(-1)?.[1];
  if (last === undefined) {
    return [];
  }
  return last
    .split(/\r?\n/)
    .map((line) => LINE.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ fingerprint: match[1].replace(/=+$/, ''), keyType: match[2] }));
}

/** SHA256 fingerprint of an SSH public key blob (the wire-format key a server presents). */
export function fingerprintOfKeyBlob(keyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
