import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { utils } from 'ssh2';
import { generateEd25519KeyPair } from '../../../src/core/ssh/ed25519KeyPair';

function publicKeyLength(publicLine: string): number {
  const blob = Buffer.from(publicLine.split(' ')[1], 'base64');
  return blob.readUInt32BE(4 + blob.readUInt32BE(0));
}

describe('generateEd25519KeyPair', () => {
  it('never hands out a short public key (ssh2 strips a leading zero byte from one key in 256)', () => {
    // With ssh2's generator alone, 3000 draws give a 31-byte key with probability 1 - (255/256)^3000 > 99.99 %.
    for (let i = 0; i < 3000; i++) {
      const pair = generateEd25519KeyPair(utils, `k${i}`);
      assert.equal(publicKeyLength(pair.public), 32, pair.public);
    }
  });

  it('draws again when ssh2 makes a malformed key, and keeps the well-formed one', () => {
    const good = utils.generateKeyPairSync('ed25519', { comment: 'good' });
    const short = utils.generateKeyPairSync('ed25519', { comment: 'short' });
    const blob = Buffer.from(short.public.split(' ')[1], 'base64');
    // The shape ssh2 emits for a key starting with 0x00: the length says 31 and one byte is gone.
    const truncated = Buffer.concat([blob.subarray(0, 15), Buffer.from([0, 0, 0, 31]), blob.subarray(20)]);
    const draws = [{ ...short, public: `ssh-ed25519 ${truncated.toString('base64')} short` }, good];
    const fakeUtils = { ...utils, generateKeyPairSync: () => draws.shift() } as unknown as typeof utils;
    const pair = generateEd25519KeyPair(fakeUtils, 'x');
    assert.equal(pair.public, good.public);
    assert.equal(draws.length, 0);
  });

  it('gives up with a next step when every draw is malformed', () => {
    const broken = { private: 'not a key', public: 'ssh-ed25519 AAAA x' };
    const fakeUtils = { ...utils, generateKeyPairSync: () => broken } as unknown as typeof utils;
    assert.throws(() => generateEd25519KeyPair(fakeUtils, 'x'), /update the ssh2 package/);
  });

  it('makes keys OpenSSH reads: the public line, and the public half ssh-keygen derives from the private file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-ed25519-'));
    try {
      for (let i = 0; i < 20; i++) {
        const pair = generateEd25519KeyPair(utils, `k${i}`);
        fs.writeFileSync(path.join(dir, 'key'), pair.private, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, 'key.pub'), pair.public + '\n');
        execFileSync('ssh-keygen', ['-l', '-f', path.join(dir, 'key.pub')], { stdio: 'pipe' });
        const derived = execFileSync('ssh-keygen', ['-y', '-f', path.join(dir, 'key')], { encoding: 'utf8' }).trim();
        assert.equal(derived.split(' ').slice(0, 2).join(' '), pair.public.split(' ').slice(0, 2).join(' '));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
