/**
 * An ed25519 key pair in OpenSSH formats, for login keys and the host keys a launch hands a box.
 *
 * ssh2's `generateKeyPairSync('ed25519')` strips leading zero bytes from the 32-byte public key
 * (mscdex/ssh2#1390, #1513, open in 1.17.0), so about one key in 256 comes out 31 bytes long:
 * OpenSSH refuses it ("is not a public key file"), cloud-init cannot install it, and a host key
 * pinned from it never matches. A key whose public half starts with 0x00 is drawn again; the
 * rest are exactly what ssh2 makes, and both halves are checked by ssh2's own parser.
 */
import type { utils as Ssh2Utils } from 'ssh2';

export interface OpenSshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` text. */
  readonly private: string;
  /** `ssh-ed25519 AAAA… comment` */
  readonly public: string;
}

const ED25519_PUBLIC_KEY_BYTES = 32;
/** One in 256 draws is malformed; 64 in a row happens with probability 2^-512. */
const MAX_DRAWS = 64;

export function generateEd25519KeyPair(utils: typeof Ssh2Utils, comment: string): OpenSshKeyPair {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (isWellFormed(utils, pair)) {
      return { private: pair.private, public: pair.public };
    }
  }
  throw new Error(`ssh2 made ${MAX_DRAWS} malformed ed25519 keys in a row; update the ssh2 package`);
}

function isWellFormed(utils: typeof Ssh2Utils, pair: { private: string; public: string }): boolean {
  const publicKey = utils.parseKey(pair.public);
  const privateKey = utils.parseKey(pair.private);
  if (publicKey instanceof Error || privateKey instanceof Error) {
    return false;
  }
  return publicKeyBytes(pair.public) === ED25519_PUBLIC_KEY_BYTES;
}

/** Length of the key inside `string "ssh-ed25519" || string key` (RFC 8709 §4). */
function publicKeyBytes(publicLine: string): number {
  const blob = Buffer.from(publicLine.trim().split(/\s+/)[1] ?? '', 'base64');
  if (blob.length < 4) {
    return -1;
  }
  const nameLength = blob.readUInt32BE(0);
  const keyLengthAt = 4 + nameLength;
  return blob.length >= keyLengthAt + 4 ? blob.readUInt32BE(keyLengthAt) : -1;
}
