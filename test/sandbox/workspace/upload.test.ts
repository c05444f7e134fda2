import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EC2Client, GetConsoleOutputCommand, type Instance } from '@aws-sdk/client-ec2';
import type { Client } from 'ssh2';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { isCancellation } from '../../../src/core/errors';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import type { LaunchedBox } from '../../../src/core/launch/launchTypes';
import { hostKeysFromConsole } from '../../../src/core/ssh/consoleHostKeys';
import { connectToBox } from '../../../src/core/ssh/sshConnection';
import { cloneWorkspace } from '../../../src/core/workspace/cloneWorkspace';
import { uploadWorkspace } from '../../../src/core/workspace/uploadWorkspace';
import type { UploadProgress } from '../../../src/core/workspace/workspaceTypes';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, launchTestBox, sshPortOf, startTestSandbox, stopTestSandbox, tempDir, waitForState } from '../e2e/sandboxHarness';

const REGION = 'us-east-1';
const MiB = 1024 * 1024;

/** Every file under a folder (relative, forward slashes) with its mode and a hash of its content. */
function snapshot(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(name);
      else {
        const file = path.join(root, name);
        found[name] = `${(fs.statSync(file).mode & 0o777).toString(8)} ${createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12)}`;
      }
    }
  };
  walk('');
  return found;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Spotbox Test', '-c', 'user.email=test@spotbox.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('Uploading or cloning the workspace on a box (src/core/workspace) against the sandbox cloud', function () {
  this.timeout(180_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let box: LaunchedBox | undefined;
  let client: Client | undefined;
  let workspace: string;
  /** The box's home folder, /home/ubuntu, seen from this machine: the box's disk in the sandbox's state. */
  let home: string;
  const onHost = (remote: string): string => path.join(home, path.relative('/home/ubuntu', remote));

  before(async () => {
    directory = tempDir('spotbox-workspace-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    box = await launchTestBox(clients, { boxName: 'upload', region: REGION, keyDirectory: path.join(directory, 'keys') });
    const [instance]: Instance[] = await waitForState(ec2, [box.instanceId], 'running');
    const keys = await eventually('host keys on the console', async () => {
      const { Output } = await ec2.send(new GetConsoleOutputCommand({ InstanceId: box!.instanceId }));
      const found = hostKeysFromConsole(Buffer.from(Output ?? '', 'base64').toString('utf8'));
      return found.length > 0 ? found : undefined;
    });
    client = await connectToBox({
      host: instance.PublicIpAddress!,
      port: sshPortOf(instance),
      username: 'ubuntu',
      privateKey: fs.readFileSync(box.privateKeyPath, 'utf8'),
      pinnedFingerprints: keys.map((key) => key.fingerprint),
    });

    // The fixture workspace: a git repository with ignores at two levels.
    workspace = path.join(directory, 'project');
    const files: Record<string, string | Buffer> = {
      '.gitignore': '*.log\ndata/\n.venv/\n',
      'train.py': 'print("training")\n',
      'run.sh': '#!/bin/sh\npython train.py\n',
      'secrets.env': 'TOKEN=kept-private\n',
      'empty.txt': '',
      'debug.log': 'ignored\n',
      'data/shard.bin': randomBytes(1024),
      '.venv/bin/python': 'ignored',
      'src/.gitignore': '*.tmp\n!keep.tmp\n',
      'src/model.py': 'class Model: pass\n',
      'src/scratch.tmp': 'ignored by the nested .gitignore',
      'src/keep.tmp': 'unignored by a negation',
      'src/weights/init.bin': randomBytes(3 * MiB),
    };
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
      fs.writeFileSync(path.join(workspace, name), content);
    }
    fs.chmodSync(path.join(workspace, 'run.sh'), 0o755);
    fs.chmodSync(path.join(workspace, 'secrets.env'), 0o600);
    git(workspace, 'init', '-q');
  });

  after(async () => {
    client?.end();
    if (box) {
      await terminateBox(clients, box);
      await waitForState(ec2, [box.instanceId], 'terminated');
    }
    clients?.dispose();
    ec2?.destroy();
    await stopTestSandbox(sandbox, directory);
  });

  it('uploads what git would not ignore, with mode bits, reporting progress', async () => {
    const progress: UploadProgress[] = [];
    const result = await uploadWorkspace(client!, { localRoot: workspace, remoteDir: '~/workspace', maxBytes: 50 * MiB, onProgress: (step) => progress.push(step) });
    assert.equal(result.remoteDir, '/home/ubuntu/workspace', "in the image user's home");
    home = path.join(sandbox!.boxHost.boxDir(box!.instanceId), 'disk');
    assert.ok(fs.existsSync(home), `the box's disk is in the sandbox's state: ${home}`);

    const local = snapshot(workspace);
    const expected = Object.fromEntries(Object.entries(local).filter(([name]) => !/^(\.git\/|debug\.log|data\/|\.venv\/|src\/scratch\.tmp)/.test(name)));
    assert.deepEqual(Object.keys(expected).sort(), ['.gitignore', 'empty.txt', 'run.sh', 'secrets.env', 'src/.gitignore', 'src/keep.tmp', 'src/model.py', 'src/weights/init.bin', 'train.py']);
    assert.deepEqual(snapshot(onHost(result.remoteDir)), expected, 'same files, contents and modes; nothing ignored, no .git');
    assert.equal(expected['run.sh'].split(' ')[0], '755');
    assert.equal(expected['secrets.env'].split(' ')[0], '600');
    assert.equal(result.files, 9);

    const last = progress.at(-1)!;
    assert.deepEqual([last.filesDone, last.filesTotal, last.bytesDone], [9, 9, result.bytes]);
    assert.equal(result.bytes, last.bytesTotal);
    assert.ok(progress.some((step) => step.path === 'src/weights/init.bin'));
  });

  it('refuses a workspace over the size limit before sending anything, naming the biggest offenders', async () => {
    await assert.rejects(uploadWorkspace(client!, { localRoot: workspace, remoteDir: '~/too-big', maxBytes: 1 * MiB }), (error: Error) => {
      assert.match(error.message, /^The workspace holds 3\.0 MiB in 9 files to upload, over the 1\.0 MiB limit\. Biggest folders: src\/ \(3\.0 MiB\)\. Biggest files: src\/weights\/init\.bin \(3\.0 MiB\)/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(home, 'too-big')), false);
  });

  it('stops when cancelled, leaving the connection usable', async () => {
    const controller = new AbortController();
    await assert.rejects(
      uploadWorkspace(client!, { localRoot: workspace, remoteDir: '~/cancelled', maxBytes: 50 * MiB, concurrency: 1, signal: controller.signal, onProgress: () => controller.abort() }),
      (error: unknown) => isCancellation(error),
    );
    assert.ok(Object.keys(snapshot(path.join(home, 'cancelled'))).length < 9, 'not everything was sent');
    const again = await uploadWorkspace(client!, { localRoot: workspace, remoteDir: '~/after-cancel', maxBytes: 50 * MiB });
    assert.equal(again.files, 9);
  });

  it('clones a repository on the box instead, from a bare repository it can read', async () => {
    const origin = path.join(directory, 'origin.git');
    git(directory, 'init', '-q', '--bare', origin);
    const work = path.join(directory, 'work');
    git(directory, 'clone', '-q', origin, work);
    fs.writeFileSync(path.join(work, 'README.md'), '# cloned\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'first');
    git(work, 'push', '-q', 'origin', 'HEAD:main');
    git(work, 'checkout', '-q', '-b', 'feature');
    fs.writeFileSync(path.join(work, 'feature.txt'), 'on a branch\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'feature');
    git(work, 'push', '-q', 'origin', 'feature');
    // The box's user (uid 1000) owns the repository it clones, as a remote's own server user would:
    // git refuses to serve a repository another user owns ("dubious ownership").
    fs.chmodSync(directory, 0o755);
    execFileSync('chown', ['-R', '1000:1000', origin]);

    const cloned = await cloneWorkspace(client!, { remoteUrl: origin, remoteDir: '~/cloned' });
    assert.equal(cloned.remoteDir, '/home/ubuntu/cloned');
    assert.equal(fs.readFileSync(path.join(onHost(cloned.remoteDir), 'README.md'), 'utf8'), '# cloned\n');
    assert.ok(fs.existsSync(path.join(onHost(cloned.remoteDir), '.git')), 'a real clone, ready to pull and push');
    assert.equal(fs.existsSync(path.join(onHost(cloned.remoteDir), 'feature.txt')), false);

    const branch = await cloneWorkspace(client!, { remoteUrl: origin, remoteDir: '~/cloned-feature', branch: 'feature' });
    assert.ok(fs.existsSync(path.join(onHost(branch.remoteDir), 'feature.txt')));

    await assert.rejects(cloneWorkspace(client!, { remoteUrl: origin, remoteDir: '~/cloned' }), (error: Error & { nextStep?: string }) => {
      assert.match(error.message, /^git clone of .*origin\.git into ~\/cloned on the box failed: .*already exists and is not an empty directory/);
      assert.match(error.nextStep ?? '', /Remove or rename ~\/cloned on the box/);
      return true;
    });
    await assert.rejects(cloneWorkspace(client!, { remoteUrl: path.join(directory, 'missing.git'), remoteDir: '~/nothing' }), /git clone of .*missing\.git into ~\/nothing on the box failed: .*(does not exist|not appear to be a git repository)/);
    await assert.rejects(cloneWorkspace(client!, { remoteUrl: '--upload-pack=touch /tmp/pwned', remoteDir: '~/x' }), /is not a git remote URL/);
  });
});
