import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fingerprintOfKeyBlob, parseConsoleHostKeyFingerprints } from '../../src/core/ssh/hostKeyFingerprints';

const CONSOLE = `[   12.3] cloud-init[812]: Cloud-init v. 24.1 running 'modules:final'
ec2: #############################################################
ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
ec2: 256 SHA256:old0000000000000000000000000000000000000000 root@ip-10-0-0-1 (ED25519)
ec2: -----END SSH HOST KEY FINGERPRINTS-----
second boot
-----BEGIN SSH HOST KEY FINGERPRINTS-----
256 SHA256:Q2x9c0a1vTZp1xwW8mQzq2n0m6mJd3bqj8q2f4cYdXo root@ip-10-0-0-1 (ED25519)
256 SHA256:8Z8m2r0H9gkq2QeV3q3X9jq7y7m1r5b7m5v2c7x9k1Q root@ip-10-0-0-1 (ECDSA)
-----END SSH HOST KEY FINGERPRINTS-----
`;

describe('host key fingerprints from the console', () => {
  it('reads the last fingerprint block, with or without line prefixes', () => {
    assert.deepEqual(parseConsoleHostKeyFingerprints(CONSOLE), [
      { fingerprint: 'SHA256:Q2x9c0a1vTZp1xwW8mQzq2n0m6mJd3bqj8q2f4cYdXo', keyType: 'ED25519' },
      { fingerprint: 'SHA256:8Z8m2r0H9gkq2QeV3q3X9jq7y7m1r5b7m5v2c7x9k1Q', keyType: 'ECDSA' },
    ]);
  });

  it('finds nothing before the box has printed its keys', () => {
    assert.deepEqual(parseConsoleHostKeyFingerprints('booting...\n'), []);
    assert.deepEqual(parseConsoleHostKeyFingerprints(''), []);
  });

  it('computes the same fingerprint as ssh-keygen -lf', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-fp-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
      const publicLine = fs.readFileSync(path.join(dir, 'key.pub'), 'utf8');
      const expected = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'key.pub')], { encoding: 'utf8' }).split(' ')[1];
      const blob = Buffer.from(publicLine.split(' ')[1], 'base64');
      assert.equal(fingerprintOfKeyBlob(blob), expected);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.skip();
      }
      throw error;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
