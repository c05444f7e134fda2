import { fingerprintOfKeyBlob, parseConsoleHostKeyFingerprints } from './hostKeyFingerprints';

export type HostKeyType = 'ssh-ed25519' | 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521' | 'ssh-rsa';

export interface ConsoleHostKey {
  readonly keyType: HostKeyType;
  /** The public key blob, base64 (the middle field of a known_hosts line). */
  readonly base64: string;
  readonly comment: string;
  /** `SHA256:...`, computed from the blob and found in the console's fingerprint block. */
  readonly fingerprint: string;
}

const KEY_TYPES: readonly string[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];
const BLOCK = /-----BEGIN SSH HOST KEY KEYS-----([\s\S]*?)-----END SSH HOST KEY KEYS-----/g;
// Not anchored at the line start: a console may prefix lines with a timestamp or "ec2: ".
const LINE = /(\S+) ([A-Za-z0-9+/]+={0,2})(?: (.*))?$/;

/**
 * The host public keys a box printed to its console, keeping only keys whose fingerprint is also in
 * the console's fingerprint block. The two blocks are printed separately; requiring both to agree
 * means a garbled or spliced key line can never become a trusted known_hosts entry.
 */
export function hostKeysFromConsole(consoleText: string): ConsoleHostKey[] {
  const pinned = new Set(parseConsoleHostKeyFingerprints(consoleText).map((key) => key.fingerprint));
  return parseConsoleHostKeyLines(consoleText).filter((key) => pinned.has(key.fingerprint));
}

/** Every well-formed line of the last `SSH HOST KEY KEYS` block, unverified. */
export function parseConsoleHostKeyLines(consoleText: string): ConsoleHostKey[] {
  const last = [...consoleText.matchAll(BLOCK)].at(-1)?.[1];
  if (last === undefined) {
    return [];
  }
  const keys: ConsoleHostKey[] = [];
  for (const line of last.split(/\r?\n/)) {
    const key = parseHostKeyLine(line.trim());
    if (key) {
      keys.push(key);
    }
  }
  return keys;
}

/** One `<type> <base64> [comment]` host key line (after any console prefix), checked against the type its blob names. */
export function parseHostKeyLine(line: string): ConsoleHostKey | undefined {
  // Find the key type anywhere on the line, then parse from there (skipping any console prefix).
  const start = KEY_TYPES.map((type) => line.indexOf(`${type} `)).filter((index) => index >= 0).sort((a, b) => a - b)[0];
  if (start === undefined) {
    return undefined;
  }
  const match = LINE.exec(line.slice(start));
  if (!match || !KEY_TYPES.includes(match[1])) {
    return undefined;
  }
  const blob = Buffer.from(match[2], 'base64');
  // The blob names its own type; a line whose label disagrees with its blob is not trusted.
  if (blobKeyType(blob) !== match[1]) {
    return undefined;
  }
  return { keyType: match[1] as HostKeyType, base64: match[2], comment: (match[3] ?? '').trim(), fingerprint: fingerprintOfKeyBlob(blob) };
}

/** The type string at the start of an SSH wire-format key blob (uint32 length + ASCII name). */
function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) {
    return undefined;
  }
  const length = blob.readUInt32BE(0);
  return length > 0 && length < 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('latin1') : undefined;
}
