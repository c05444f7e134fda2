import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import { ensureIncludeLine } from '../../../src/core/attach/includeLine';
import { SshAliasRegistry, spotboxSshFiles } from '../../../src/core/attach/sshAliasRegistry';
import { sshCommandLine } from '../../../src/core/attach/sshCommandLine';

function endpoint(overrides: Partial<BoxEndpoint> = {}): BoxEndpoint {
  return {
    instanceId: 'i-aaa',
    region: 'us-east-1',
    name: 'trainer',
    host: '203.0.113.7',
    port: 22,
    user: 'ubuntu',
    privateKeyPath: '/keys/spotbox-trainer.pem',
    hostKeys: [{ keyType: 'ssh-ed25519', base64: 'AAAAC3NzaC1lZDI1NTE5AAAAIOld', comment: 'root@box', fingerprint: 'SHA256:old' }],
    ...overrides,
  };
}

describe('SshAliasRegistry (Spotbox-owned SSH config and known_hosts)', () => {
  let sshDirectory: string;
  beforeEach(() => (sshDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-alias-'))));
  afterEach(() => fs.rmSync(sshDirectory, { recursive: true, force: true }));

  it('writes one Host block per box and the box keys, files 0600', async () => {
    const registry = new SshAliasRegistry(spotboxSshFiles(sshDirectory));
    assert.equal(await registry.register(endpoint()), 'spotbox-trainer');
    await registry.register(endpoint({ instanceId: 'i-bbb', name: 'eval', host: '203.0.113.8', port: 2222 }));
    const config = fs.readFileSync(registry.files.config, 'utf8');
    assert.match(config, /Host spotbox-trainer\n {2}HostName 203\.0\.113\.7\n {2}Port 22\n {2}User ubuntu/);
    assert.match(config, /Host spotbox-eval\n {2}HostName 203\.0\.113\.8\n {2}Port 2222/);
    const knownHosts = fs.readFileSync(registry.files.knownHosts, 'utf8');
    assert.match(knownHosts, /^203\.0\.113\.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOld$/m);
    assert.match(knownHosts, /^\[203\.0\.113\.8\]:2222 ssh-ed25519 /m);
    assert.equal(fs.statSync(registry.files.config).mode & 0o777, 0o600);
    assert.equal(await registry.aliasOf('i-bbb'), 'spotbox-eval');
  });

  it('repoints an alias at a replacement box and drops the old box keys', async () => {
    const registry = new SshAliasRegistry(spotboxSshFiles(sshDirectory));
    await registry.register(endpoint());
    await registry.register(endpoint({ instanceId: 'i-new', host: '198.51.100.4', hostKeys: [{ keyType: 'ssh-ed25519', base64: 'AAAAnew', comment: '', fingerprint: 'SHA256:new' }] }));
    const config = fs.readFileSync(registry.files.config, 'utf8');
    assert.equal(config.match(/^Host /gm)?.length, 1);
    assert.match(config, /HostName 198\.51\.100\.4/);
    const knownHosts = fs.readFileSync(registry.files.knownHosts, 'utf8');
    assert.doesNotMatch(knownHosts, /203\.0\.113\.7/);
    assert.match(knownHosts, /^198\.51\.100\.4 ssh-ed25519 AAAAnew$/m);
    assert.equal(await registry.aliasOf('i-aaa'), undefined);
  });

  it('prunes boxes that are gone, with their known_hosts lines', async () => {
    const registry = new SshAliasRegistry(spotboxSshFiles(sshDirectory));
    await registry.register(endpoint());
    await registry.register(endpoint({ instanceId: 'i-bbb', name: 'eval', host: '203.0.113.8' }));
    assert.equal(await registry.prune(new Set(['i-bbb'])), 1);
    assert.doesNotMatch(fs.readFileSync(registry.files.config, 'utf8'), /Host spotbox-trainer/);
    assert.doesNotMatch(fs.readFileSync(registry.files.knownHosts, 'utf8'), /203\.0\.113\.7 /);
    assert.equal(await registry.prune(new Set(['i-bbb'])), 0);
  });

  it('keeps both boxes when two register at the same moment', async () => {
    const registry = new SshAliasRegistry(spotboxSshFiles(sshDirectory));
    await Promise.all([registry.register(endpoint()), registry.register(endpoint({ instanceId: 'i-bbb', name: 'eval', host: '203.0.113.8' }))]);
    assert.equal(fs.readFileSync(registry.files.config, 'utf8').match(/^Host /gm)?.length, 2);
  });

  it('recovers from a corrupt registry file instead of failing the attach', async () => {
    const registry = new SshAliasRegistry(spotboxSshFiles(sshDirectory));
    fs.mkdirSync(registry.files.directory, { recursive: true });
    fs.writeFileSync(registry.files.registry, '{not json');
    assert.equal(await registry.register(endpoint()), 'spotbox-trainer');
  });
});

describe('ensureIncludeLine (the user SSH config, changed only with consent)', () => {
  let sshDirectory: string;
  beforeEach(() => (sshDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-include-'))));
  afterEach(() => fs.rmSync(sshDirectory, { recursive: true, force: true }));

  it('asks, prepends one line and keeps every other byte and the mode', async () => {
    const userConfig = path.join(sshDirectory, 'config');
    const original = 'Host work\n  HostName work.example\n  User me\n';
    fs.writeFileSync(userConfig, original, { mode: 0o644 });
    let asked = 0;
    assert.equal(await ensureIncludeLine(userConfig, '/x/spotbox/config', async () => (asked++, true)), 'added');
    assert.equal(fs.readFileSync(userConfig, 'utf8'), `Include /x/spotbox/config\n${original}`);
    assert.equal(fs.statSync(userConfig).mode & 0o777, 0o644);
    assert.equal(await ensureIncludeLine(userConfig, '/x/spotbox/config', async () => (asked++, true)), 'present');
    assert.equal(asked, 1, 'not asked again once present');
  });

  it('leaves the file untouched when the user declines', async () => {
    const userConfig = path.join(sshDirectory, 'config');
    fs.writeFileSync(userConfig, 'Host a\n');
    assert.equal(await ensureIncludeLine(userConfig, '/x/spotbox/config', async () => false), 'declined');
    assert.equal(fs.readFileSync(userConfig, 'utf8'), 'Host a\n');
  });

  it('creates a missing config 0600', async () => {
    const userConfig = path.join(sshDirectory, 'nested', 'config');
    assert.equal(await ensureIncludeLine(userConfig, '/x/spotbox/config', async () => true), 'added');
    assert.equal(fs.readFileSync(userConfig, 'utf8'), 'Include /x/spotbox/config\n');
    assert.equal(fs.statSync(userConfig).mode & 0o777, 0o600);
  });

  it('edits a symlinked config at its target, keeps a .bak, and re-reads the file after consent', async () => {
    const dotfiles = path.join(sshDirectory, 'dotfiles');
    fs.mkdirSync(dotfiles);
    const target = path.join(dotfiles, 'ssh_config');
    fs.writeFileSync(target, 'Host a\n', { mode: 0o640 });
    const userConfig = path.join(sshDirectory, 'config');
    fs.symlinkSync(target, userConfig);
    const outcome = await ensureIncludeLine(userConfig, '/x/spotbox/config', async () => {
      fs.appendFileSync(target, 'Host added-while-asking\n');
      return true;
    });
    assert.equal(outcome, 'added');
    assert.ok(fs.lstatSync(userConfig).isSymbolicLink(), 'the link is still a link');
    assert.equal(fs.readFileSync(target, 'utf8'), 'Include /x/spotbox/config\nHost a\nHost added-while-asking\n');
    assert.equal(fs.statSync(target).mode & 0o777, 0o640);
    assert.equal(fs.readFileSync(`${target}.bak`, 'utf8'), 'Host a\nHost added-while-asking\n');
  });

  it('quotes a config path with spaces in the copied command', () => {
    assert.equal(sshCommandLine('/home/a b/.ssh/spotbox/config', 'spotbox-x'), `ssh -F '/home/a b/.ssh/spotbox/config' spotbox-x`);
    assert.equal(sshCommandLine('/root/.ssh/spotbox/config', 'spotbox-x'), 'ssh -F /root/.ssh/spotbox/config spotbox-x');
  });
});
