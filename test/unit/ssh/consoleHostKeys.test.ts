import * as assert from 'node:assert/strict';
import { hostKeysFromConsole } from '../../../src/core/ssh/consoleHostKeys';
import { consoleText, ed25519Blob } from './sshFixtures';

describe('hostKeysFromConsole', () => {
  it('returns the keys whose fingerprint the console printed', () => {
    const key = ed25519Blob();
    const keys = hostKeysFromConsole(consoleText([key.fingerprint], [`ssh-ed25519 ${key.base64} root@ip-10-0-0-1`]));
    assert.deepEqual(keys, [{ keyType: 'ssh-ed25519', base64: key.base64, comment: 'root@ip-10-0-0-1', fingerprint: key.fingerprint }]);
  });

  it('refuses a key that is not in the fingerprint block', () => {
    const printed = ed25519Blob();
    const other = ed25519Blob();
    const text = consoleText([printed.fingerprint], [`ssh-ed25519 ${other.base64} root@x`, `ssh-ed25519 ${printed.base64} root@x`]);
    assert.deepEqual(
      hostKeysFromConsole(text).map((key) => key.base64),
      [printed.base64],
    );
  });

  it('refuses a line whose label disagrees with the type inside its blob', () => {
    const key = ed25519Blob();
    assert.deepEqual(hostKeysFromConsole(consoleText([key.fingerprint], [`ssh-rsa ${key.base64} root@x`])), []);
  });

  it('tolerates console prefixes, uses the last boot, and returns nothing without the blocks', () => {
    const old = ed25519Blob();
    const current = ed25519Blob();
    const text =
      consoleText([old.fingerprint], [`ssh-ed25519 ${old.base64} root@x`]) +
      consoleText([current.fingerprint], [`[   12.3] ec2: ssh-ed25519 ${current.base64} root@x`]);
    assert.deepEqual(
      hostKeysFromConsole(text).map((key) => key.base64),
      [current.base64],
    );
    assert.deepEqual(hostKeysFromConsole('no keys yet'), []);
    assert.deepEqual(hostKeysFromConsole(consoleText([], [`ssh-ed25519 ${current.base64} root@x`])), []);
  });
});
