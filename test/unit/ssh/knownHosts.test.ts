import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderKnownHostsLines, updateKnownHostsFile, withBoxKnownHosts, withoutBoxKnownHosts } from '../../../src/core/ssh/knownHosts';

const key = (base64: string) => ({ keyType: 'ssh-ed25519' as const, base64 });

describe('known_hosts', () => {
  it('renders [host]:port off port 22 and the bare host on 22', () => {
    assert.deepEqual(renderKnownHostsLines({ host: '10.0.0.5', port: 2222, keys: [key('AAAA')] }), ['[10.0.0.5]:2222 ssh-ed25519 AAAA']);
    assert.deepEqual(renderKnownHostsLines({ host: '10.0.0.5', port: 22, keys: [key('AAAA'), key('BBBB')] }), ['10.0.0.5 ssh-ed25519 AAAA', '10.0.0.5 ssh-ed25519 BBBB']);
  });

  it("replaces the box's lines and keeps everyone else's", () => {
    const existing = ['10.0.0.5 ssh-ed25519 OLD', '10.0.0.6 ssh-ed25519 KEEP', '[10.0.0.5]:2222 ssh-ed25519 OTHERPORT', '10.0.0.7,10.0.0.5 ssh-rsa ALIASED', ''].join('\n');
    assert.equal(
      withBoxKnownHosts(existing, { host: '10.0.0.5', port: 22, keys: [key('NEW')] }),
      ['10.0.0.6 ssh-ed25519 KEEP', '[10.0.0.5]:2222 ssh-ed25519 OTHERPORT', '10.0.0.5 ssh-ed25519 NEW', ''].join('\n'),
    );
    assert.equal(withoutBoxKnownHosts(existing, '10.0.0.5', 2222), ['10.0.0.5 ssh-ed25519 OLD', '10.0.0.6 ssh-ed25519 KEEP', '10.0.0.7,10.0.0.5 ssh-rsa ALIASED', ''].join('\n'));
  });

  it('writes the file atomically with mode 0600, creating it when missing', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-kh-'));
    try {
      const file = path.join(directory, 'spotbox', 'known_hosts');
      await updateKnownHostsFile(file, { host: '10.0.0.5', port: 22, keys: [key('ONE')] });
      await updateKnownHostsFile(file, { host: '10.0.0.6', port: 22, keys: [key('TWO')] });
      await updateKnownHostsFile(file, { host: '10.0.0.5', port: 22, keys: [key('THREE')] });
      assert.equal(fs.readFileSync(file, 'utf8'), '10.0.0.6 ssh-ed25519 TWO\n10.0.0.5 ssh-ed25519 THREE\n');
      assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
      assert.deepEqual(fs.readdirSync(path.dirname(file)), ['known_hosts'], 'no temporary file left behind');
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
