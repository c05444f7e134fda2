import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { hostAliasOf, includeLineStatus, renderSshConfig, withIncludeLine } from '../../../src/core/ssh/sshConfig';

describe('Spotbox SSH config', () => {
  it('renders one pinned, keepalive Host block per box', () => {
    const text = renderSshConfig(
      [
        { name: 'llama', hostName: '10.0.0.5', port: 22, user: 'ubuntu', identityFile: '/home/u/.ssh/spotbox/llama' },
        { name: 'My Box*', hostName: '10.0.0.6', port: 2222, user: 'root', identityFile: '/home/u/My Keys/k' },
      ],
      '/home/u/.ssh/spotbox/known_hosts',
    );
    assert.match(
      text,
      /Host spotbox-llama\n {2}HostName 10\.0\.0\.5\n {2}Port 22\n {2}User ubuntu\n {2}IdentityFile \/home\/u\/\.ssh\/spotbox\/llama\n {2}IdentitiesOnly yes\n {2}UserKnownHostsFile \/home\/u\/\.ssh\/spotbox\/known_hosts\n {2}StrictHostKeyChecking yes\n {2}ServerAliveInterval 15\n {2}ServerAliveCountMax 2\n/,
    );
    assert.match(text, /Host spotbox-my-box\n {2}HostName 10\.0\.0\.6\n {2}Port 2222\n/);
    assert.match(text, /IdentityFile "\/home\/u\/My Keys\/k"/);
    assert.doesNotMatch(text, /^Host \*/m);
  });

  it('sanitizes aliases so a name can never become a pattern', () => {
    assert.equal(hostAliasOf('llama'), 'spotbox-llama');
    assert.equal(hostAliasOf('*'), 'spotbox-box');
    assert.equal(hostAliasOf('a b,c!d?e+f/g'), 'spotbox-a-b-c-d-e-f-g');
    assert.equal(hostAliasOf('Train.v2'), 'spotbox-train.v2');
  });

  it('refuses values that would inject directives', () => {
    assert.throws(() => renderSshConfig([{ name: 'x', hostName: '1.2.3.4\nHost *', port: 22, user: 'root', identityFile: '/k' }], '/kh'), /newline/);
  });

  describe('the Include line', () => {
    const include = '/home/u/.ssh/spotbox/config';

    it('prepends one Include line and changes nothing else', () => {
      const user = 'Host work\n  HostName work.example.com\n\nHost *\n  ForwardAgent no\n';
      const updated = withIncludeLine(user, include);
      assert.equal(updated, `Include ${include}\n${user}`);
      assert.equal(includeLineStatus(updated, include), 'present');
      assert.equal(withIncludeLine(updated, include), updated, 'idempotent');
    });

    it('handles an empty file, CRLF files and paths with spaces', () => {
      assert.equal(withIncludeLine('', include), `Include ${include}\n`);
      assert.equal(withIncludeLine('Host a\r\n  User b\r\n', include), `Include ${include}\r\nHost a\r\n  User b\r\n`);
      const spaced = '/home/u/my ssh/spotbox config';
      const updated = withIncludeLine('', spaced);
      assert.equal(updated, `Include "${spaced}"\n`);
      assert.equal(includeLineStatus(updated, spaced), 'present');
    });

    it('recognises existing Include forms, but not one inside a Host block', () => {
      assert.equal(includeLineStatus(`# mine\ninclude ~/.ssh/other ${include}\nHost a\n`, include), 'present');
      assert.equal(includeLineStatus(`Include=${include}\n`, include), 'present');
      assert.equal(includeLineStatus('Include ~/.ssh/spotbox/config\n', `${os.homedir()}/.ssh/spotbox/config`), 'present');
      assert.equal(includeLineStatus(`Host a\n  Include ${include}\n`, include), 'absent');
      assert.equal(includeLineStatus(`# Include ${include}\n`, include), 'absent');
      assert.equal(includeLineStatus('', include), 'absent');
    });
  });
});
