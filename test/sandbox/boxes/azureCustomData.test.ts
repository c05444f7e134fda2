/**
 * customData read as cloud-init reads it (PyYAML underneath): scripts, ssh_keys, write_files
 * encodings and modes, runcmd's quoting, and a document that does not parse.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { readAzureCustomData } from '../../../sandbox/boxes/azureCustomData';

describe('sandbox boxes: Azure customData as cloud-init reads it', () => {
  it('takes a #! script as is, and nothing else from it', async () => {
    const script = Buffer.from('#!/bin/bash\necho hi\n');
    const data = await readAzureCustomData(script);
    assert.deepEqual(data.script, script);
    assert.equal(data.hostKeys, undefined);
    assert.deepEqual(data.writeFiles, []);
    assert.deepEqual(await readAzureCustomData(undefined), { deleteHostKeys: true, writeFiles: [], ignored: [] });
  });

  it('reads ssh_keys, write_files (b64, text, quoted and unquoted modes) and runcmd', async () => {
    const text = [
      '#cloud-config',
      'ssh_deletekeys: false',
      'ssh_keys:',
      '  ed25519_private: |',
      '    -----BEGIN OPENSSH PRIVATE KEY-----',
      '    abc',
      '    -----END OPENSSH PRIVATE KEY-----',
      '  ed25519_public: "ssh-ed25519 AAAAC3 root@vm # comment"',
      'write_files:',
      '  - path: /var/lib/spotbox/a.sh',
      "    permissions: '0700'",
      '    encoding: b64',
      `    content: ${Buffer.from('#!/bin/sh\necho a\n').toString('base64')}`,
      '  - path: /var/lib/spotbox/b.txt',
      '    permissions: 0640',
      '    content: |',
      '      line one',
      '      line two',
      '  - path: /var/lib/spotbox/c.txt',
      'runcmd:',
      '  - [ /var/lib/spotbox/a.sh, "it\'s", "two words" ]',
      '  - echo "$HOME" > /tmp/x',
      'packages: [htop]',
      '',
    ].join('\n');
    const data = await readAzureCustomData(Buffer.from(text));
    assert.equal(data.deleteHostKeys, false);
    assert.deepEqual(data.hostKeys, [{ type: 'ed25519', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n', publicKey: 'ssh-ed25519 AAAAC3 root@vm # comment' }]);
    assert.deepEqual(data.writeFiles.map((f) => [f.path, f.content.toString(), f.mode.toString(8)]), [
      ['/var/lib/spotbox/a.sh', '#!/bin/sh\necho a\n', '700'],
      ['/var/lib/spotbox/b.txt', 'line one\nline two\n', '640'],
      ['/var/lib/spotbox/c.txt', '', '644'],
    ]);
    assert.deepEqual(data.ignored, ['packages']);
    // Run the script runcmd became (its command swapped for printf), to see the quoting hold.
    const script = data.script!.toString().replace("'/var/lib/spotbox/a.sh'", "printf '[%s]'").replace('echo "$HOME" > /tmp/x', 'echo " $HOME"');
    assert.equal(execFileSync('/bin/sh', ['-c', script], { env: { HOME: '/root' }, encoding: 'utf8' }), "[it's][two words] /root\n");
    assert.match(data.script!.toString(), /^#!\/bin\/sh\n'\/var\/lib\/spotbox\/a\.sh' 'it'\\''s' 'two words'\necho "\$HOME" > \/tmp\/x\n$/);
  });

  it('boots on with made keys when the #cloud-config does not parse, saying so', async () => {
    const data = await readAzureCustomData(Buffer.from('#cloud-config\nssh_keys: [unclosed\n'));
    assert.equal(data.hostKeys, undefined);
    assert.equal(data.script, undefined);
    assert.match(data.ignored[0], /does not parse/);
  });
});
