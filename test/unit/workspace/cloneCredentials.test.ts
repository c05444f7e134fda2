import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Client } from 'ssh2';
import { SpotboxError } from '../../../src/core/errors';
import { cloneWorkspace } from '../../../src/core/workspace/cloneWorkspace';

const SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const REMOTE = `https://octocat:${SECRET}@git.example.invalid/you/project.git`;

/**
 * An SSH client whose "box" is this machine's shell, with git told to fetch the https remote from
 * a local bare repository (url.<path>.insteadOf): the real git runs, no network is needed.
 */
function localShell(home: string, origin: string): Client {
  return {
    exec(command: string, callback: (error: Error | undefined, stream: unknown) => void) {
      const child = spawn('sh', ['-c', command], {
        env: { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `url.${origin}.insteadOf`, GIT_CONFIG_VALUE_0: REMOTE },
      });
      // Like an ssh2 channel: data, then exit with the status, then close, in that order.
      const stream = Object.assign(new EventEmitter(), { stderr: child.stderr, close: () => child.kill() });
      child.stdout.on('data', (chunk: Buffer) => stream.emit('data', chunk));
      child.on('close', (code) => {
        stream.emit('exit', code);
        stream.emit('close');
      });
      callback(undefined, stream);
      return this;
    },
  } as unknown as Client;
}

function filesUnder(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(folder, entry.name)) : [path.join(folder, entry.name)]));
}

describe('cloneWorkspace: credentials in "cloneFrom" serve the clone and are then forgotten', () => {
  let directory: string;
  let origin: string;
  before(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-clone-'));
    origin = path.join(directory, 'origin.git');
    const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@t.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' });
    git(directory, 'init', '-q', '--bare', origin);
    const work = path.join(directory, 'work');
    git(directory, 'clone', '-q', origin, work);
    fs.writeFileSync(path.join(work, 'train.py'), 'print(1)\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'first');
    git(work, 'push', '-q', 'origin', 'HEAD:main');
  });
  after(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('leaves no token in the clone\'s .git (config, logs, packed refs)', async () => {
    const home = fs.mkdtempSync(path.join(directory, 'home-'));
    const { remoteDir } = await cloneWorkspace(localShell(home, origin), { remoteUrl: REMOTE, remoteDir: '~/project' });
    assert.ok(fs.existsSync(path.join(remoteDir, 'train.py')));
    const holding = filesUnder(path.join(remoteDir, '.git')).filter((file) => fs.readFileSync(file).includes(SECRET));
    assert.deepEqual(holding, [], 'no file under .git holds the token');
    assert.match(fs.readFileSync(path.join(remoteDir, '.git', 'config'), 'utf8'), /url = https:\/\/git\.example\.invalid\/you\/project\.git/);
  }).timeout(20_000);

  it('names the remote without its credentials when the clone fails, and suggests no token in the URL', async () => {
    const home = fs.mkdtempSync(path.join(directory, 'home-'));
    await assert.rejects(cloneWorkspace(localShell(home, path.join(directory, 'missing.git')), { remoteUrl: REMOTE, remoteDir: '~/project' }), (error: unknown) => {
      assert.ok(error instanceof SpotboxError);
      const shown = `${error.message} ${error.nextStep ?? ''}`;
      assert.ok(!shown.includes(SECRET) && !shown.includes('octocat'), shown);
      assert.match(error.message, /git clone of https:\/\/git\.example\.invalid\/you\/project\.git into ~\/project on the box failed/);
      assert.match(error.nextStep ?? '', /deploy key/);
      assert.doesNotMatch(error.nextStep ?? '', /URL with a token/);
      return true;
    });
  }).timeout(20_000);
});
