import * as assert from 'node:assert/strict';
import { hasUrlCredentials, redactUrl } from '../../../src/core/logging/redactUrl';

describe('redactUrl (a git remote as it may be shown or stored)', () => {
  it('strips user and password from http(s), the password from other schemes, and token parameters', () => {
    assert.equal(redactUrl('https://octocat:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/you/p.git'), 'https://github.com/you/p.git');
    assert.equal(redactUrl('https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/you/p.git'), 'https://github.com/you/p.git');
    assert.equal(redactUrl('ssh://git:hunter2@host.example:2222/p.git'), 'ssh://git@host.example:2222/p.git');
    assert.equal(redactUrl('https://gitlab.example/p.git?private_token=abc&ref=main'), 'https://gitlab.example/p.git?ref=main');
  });

  it('leaves remotes without credentials exactly as written', () => {
    for (const remote of ['https://github.com/you/p.git', 'git@github.com:you/p.git', 'ssh://git@github.com/you/p.git', '/srv/git/p.git', 'file:///srv/git/p.git']) {
      assert.equal(redactUrl(remote), remote);
      assert.equal(hasUrlCredentials(remote), false, remote);
    }
    assert.equal(hasUrlCredentials('https://u:p@host/p.git'), true);
  });
});
