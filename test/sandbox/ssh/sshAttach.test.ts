import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { EC2Client, GetConsoleOutputCommand, type Instance } from '@aws-sdk/client-ec2';
import type { Client } from 'ssh2';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import type { LaunchedBox } from '../../../src/core/launch/launchTypes';
import { hostKeysFromConsole, type ConsoleHostKey } from '../../../src/core/ssh/consoleHostKeys';
import { updateKnownHostsFile } from '../../../src/core/ssh/knownHosts';
import { forwardPort } from '../../../src/core/ssh/portForward';
import { hostAliasOf, writeSshConfig } from '../../../src/core/ssh/sshConfig';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { connectToBox, HostKeyMismatchError, type BoxConnectionOptions } from '../../../src/core/ssh/sshConnection';
import { TerminalSession } from '../../../src/core/ssh/terminalSession';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { describeAll, eventually, launchTestBox, sshPortOf, startTestSandbox, tempDir, waitForState, stopTestSandbox } from '../e2e/sandboxHarness';

const REGION = 'us-east-1';

describe('Attaching to a box over SSH (src/core/ssh) against the sandbox cloud', function () {
  this.timeout(120_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let box: LaunchedBox | undefined;
  let instance: Instance;
  let keys: ConsoleHostKey[];
  const open: Client[] = [];

  const target = (overrides: Partial<BoxConnectionOptions> = {}): BoxConnectionOptions => ({
    host: instance.PublicIpAddress!,
    port: sshPortOf(instance),
    username: 'ubuntu',
    privateKey: fs.readFileSync(box!.privateKeyPath, 'utf8'),
    pinnedFingerprints: keys.map((key) => key.fingerprint),
    ...overrides,
  });
  const connect = async (overrides: Partial<BoxConnectionOptions> = {}): Promise<Client> => {
    const client = await connectToBox(target(overrides));
    open.push(client);
    return client;
  };

  before(async () => {
    directory = tempDir('spotbox-ssh-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    box = await launchTestBox(clients, { boxName: 'sshbox', region: REGION, volumeGb: 100, keyDirectory: path.join(directory, 'keys') });
    [instance] = await waitForState(ec2, [box.instanceId], 'running');
    keys = await eventually('host keys on the console', async () => {
      const { Output } = await ec2.send(new GetConsoleOutputCommand({ InstanceId: box!.instanceId }));
      const found = hostKeysFromConsole(Buffer.from(Output ?? '', 'base64').toString('utf8'));
      return found.length > 0 ? found : undefined;
    });
  });

  afterEach(() => {
    for (const client of open.splice(0)) {
      client.end();
    }
  });

  after(async () => {
    if (box) {
      await terminateBox(clients, box);
      await waitForState(ec2, [box.instanceId], 'terminated');
    }
    clients?.dispose();
    ec2?.destroy();
    await stopTestSandbox(sandbox, directory);
  });

  it('connects with the console-pinned host key and runs a command', async () => {
    const client = await connect();
    assert.equal((await exec(client, 'echo pinned')).trim(), 'pinned');
  });

  it('refuses a host key that does not match the pin, without retrying', async () => {
    const started = Date.now();
    const error = await connectToBox(target({ pinnedFingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], retries: 5, initialBackoffMs: 5_000 })).then(
      () => assert.fail('connected despite a wrong pin'),
      (rejection: unknown) => rejection,
    );
    assert.ok(error instanceof HostKeyMismatchError, String(error));
    assert.match(error.message, /SECURITY WARNING/);
    assert.ok(keys.some((key) => key.fingerprint === error.presentedFingerprint));
    assert.ok(Date.now() - started < 5_000, 'no backoff, so no retry');
  });

  it('writes a config and known_hosts that the real OpenSSH client accepts with StrictHostKeyChecking yes', async () => {
    const sshDirectory = path.join(directory, 'dot-ssh', 'spotbox');
    const knownHostsFile = path.join(sshDirectory, 'known_hosts');
    const configFile = path.join(sshDirectory, 'config');
    await updateKnownHostsFile(knownHostsFile, { host: instance.PublicIpAddress!, port: sshPortOf(instance), keys });
    await writeSshConfig(configFile, [{ name: 'ssh test', hostName: instance.PublicIpAddress!, port: sshPortOf(instance), user: 'ubuntu', identityFile: box!.privateKeyPath }], knownHostsFile);
    const alias = hostAliasOf('ssh test');
    assert.equal(alias, 'spotbox-ssh-test');
    const { stdout } = await run('ssh', ['-F', configFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', alias, 'echo', 'ok']);
    assert.equal(stdout.trim(), 'ok');

    // The same client with an empty known_hosts must refuse: proof that the pin, not luck, let it in.
    fs.writeFileSync(knownHostsFile, '', { mode: 0o600 });
    await assert.rejects(run('ssh', ['-F', configFile, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', alias, 'echo', 'ok']), /Host key verification failed/);
  });

  it("says which user to log in as when the image answers root with cloud-init's refusal", async function () {
    this.timeout(60_000);
    const client = await connect({ username: 'root' });
    await assert.rejects(runRemoteCommand(client, 'echo ran'), (error: Error & { nextStep?: string }) => {
      assert.equal(error.message, 'The box logs in as "ubuntu", not "root": the image ran nothing for "root".');
      assert.equal(error.nextStep, 'Set "sshUser": "ubuntu" in .spotbox/profile.json.');
      return true;
    });
  });

  it('keeps a terminal session alive across dropped SSH connections', async () => {
    let output = '';
    const statuses: string[] = [];
    let closedWith: string | undefined;
    const session = new TerminalSession({
      connect: () => connect({ keepaliveIntervalMs: 2_000, keepaliveCountMax: 2 }),
      boxAlive: async () => (await describeAll(ec2, [box!.instanceId]))[0]?.State?.Name === 'running',
      onData: (text) => (output += text),
      onStatus: (text) => statuses.push(text),
      onClose: (reason) => (closedWith = reason),
      initialBackoffMs: 300,
    });
    try {
      await session.open(100, 30);
      session.input('echo hi-$((40+2))\n');
      await eventually('the echo', async () => (output.includes('hi-42') ? true : undefined), 15_000, 100);

      assert.ok((await sandbox!.boxHost.dropSshConnections(box!.instanceId)) > 0, 'the sandbox dropped a connection');
      await eventually('the reconnect', async () => (statuses.some((status) => status.startsWith('Reconnected')) ? true : undefined), 45_000, 200);
      assert.ok(statuses.some((status) => /^Connection to the box lost; reconnecting/.test(status)), statuses.join(' | '));
      session.resize(120, 40);
      session.input('echo again-$((1+1)) $(stty size)\n');
      await eventually('the echo after reconnecting', async () => (output.includes('again-2 40 120') ? true : undefined), 15_000, 100);
      assert.equal(closedWith, undefined);
    } finally {
      session.close();
    }
    assert.equal(closedWith, 'Terminal closed.');
  });

  it('sends what was typed before the first shell opened, once it opens', async () => {
    let output = '';
    const session = new TerminalSession({ connect: () => connect(), boxAlive: async () => true, onData: (text) => (output += text), onStatus: () => undefined, onClose: () => undefined });
    try {
      const opening = session.open(80, 24);
      session.input('echo early-$((2+3))\n');
      await opening;
      await eventually('the early echo', async () => (output.includes('early-5') ? true : undefined), 15_000, 100);
    } finally {
      session.close();
    }
  });

  it('forwards a local port to a server on the box', async () => {
    const client = await connect();
    // The box's 127.0.0.1 is the host's loopback, shared by every box: bind to the box's own address.
    const boxIp = instance.PublicIpAddress!;
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    await exec(client, `mkdir -p /tmp/fwd-${port} && echo forwarded-ok > /tmp/fwd-${port}/index.txt && cd /tmp/fwd-${port} && (setsid nohup python3 -m http.server ${port} --bind ${boxIp} < /dev/null > /dev/null 2>&1 & echo $! > /tmp/fwd-${port}/pid)`);
    const forward = await forwardPort({ client, remoteHost: boxIp, remotePort: port });
    try {
      assert.notEqual(forward.localPort, port);
      const body = await eventually('the forwarded HTTP server', () => get(`http://127.0.0.1:${forward.localPort}/index.txt`), 20_000, 300);
      assert.equal(body.trim(), 'forwarded-ok');
    } finally {
      await exec(client, `kill $(cat /tmp/fwd-${port}/pid); rm -rf /tmp/fwd-${port}`);
      await forward.close();
    }
    await assert.rejects(get(`http://127.0.0.1:${forward.localPort}/index.txt`), /ECONNREFUSED/);
  });

  it('closes a forward when its client goes away', async () => {
    const client = await connect();
    const forward = await forwardPort({ client, remotePort: 22, remoteHost: instance.PublicIpAddress! });
    client.end();
    await eventually(
      'the listener to close',
      () => get(`http://127.0.0.1:${forward.localPort}/`).then(
        () => undefined,
        (error: Error) => (/ECONNREFUSED/.test(error.message) ? true : undefined),
      ),
      10_000,
      100,
    );
  });
});

function exec(client: Client, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) {
        reject(error);
        return;
      }
      let stdout = '';
      stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      stream.stderr.resume();
      stream.on('close', () => resolve(stdout));
    });
  });
}

function run(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr })));
  });
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 3_000 }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${response.statusCode}`))));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error(`GET ${url} timed out`));
      })
      .on('error', reject);
  });
}
