import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { resolveBoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import { connectEndpoint, resolveRemoteDirectory } from '../../../src/core/attach/connectEndpoint';
import { SshAliasRegistry, spotboxSshFiles } from '../../../src/core/attach/sshAliasRegistry';
import { sshCommandLine } from '../../../src/core/attach/sshCommandLine';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { Ec2SpotPrices } from '../../../src/core/aws/ec2SpotPrices';
import type { Box } from '../../../src/core/boxes/box';
import { Ec2BoxSource } from '../../../src/core/boxes/ec2BoxSource';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import type { LaunchedBox } from '../../../src/core/launch/launchTypes';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { launchTestBox, startTestSandbox, stopTestSandbox, tempDir, waitForState } from '../e2e/sandboxHarness';

const REGION = 'eu-west-1';

describe('Resolving a box endpoint and its SSH alias (src/core/attach) against the sandbox cloud', function () {
  this.timeout(120_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let launched: LaunchedBox | undefined;
  let box: Box;
  const keyDirectory = (): string => path.join(directory, 'keys');

  before(async () => {
    directory = tempDir('spotbox-attach-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    launched = await launchTestBox(clients, { boxName: 'attachbox', region: REGION, pools: [{ instanceType: 'g5.xlarge' }], maxPricePerHour: 3, keyDirectory: keyDirectory(), sshUser: 'ubuntu', workspaceDir: '~/work/project' });
    await waitForState(ec2, [launched.instanceId], 'running');
    const source = new Ec2BoxSource(clients, () => [REGION], new Ec2SpotPrices({ clients }));
    const found = (await source.listBoxes()).find((candidate) => candidate.instanceId === launched!.instanceId);
    assert.ok(found, 'the box is listed');
    box = found;
  });

  after(async () => {
    if (launched) {
      await terminateBox(clients, launched);
      await waitForState(ec2, [launched.instanceId], 'terminated');
    }
    clients?.dispose();
    ec2?.destroy();
    await stopTestSandbox(sandbox, directory);
  });

  it('reads the login user, workspace, key pair and SSH port from the instance and its tags', () => {
    assert.equal(box.sshUser, 'ubuntu');
    assert.equal(box.workspaceDir, '~/work/project');
    assert.equal(box.keyName, launched!.keyPairName);
    assert.ok(box.publicIp);
    assert.ok(Number.isInteger(box.sshPort));
  });

  it('pins the console host keys, and the real OpenSSH client reaches the alias with StrictHostKeyChecking', async () => {
    const endpoint = await resolveBoxEndpoint(clients, box, { keyDirectory: keyDirectory(), defaultUser: 'ubuntu' });
    assert.ok(endpoint.hostKeys.length > 0);
    assert.equal(endpoint.user, 'ubuntu');
    const registry = new SshAliasRegistry(spotboxSshFiles(path.join(directory, 'dot-ssh')));
    const alias = await registry.register(endpoint);
    assert.equal(alias, 'spotbox-attachbox');
    const command = sshCommandLine(registry.files.config, alias);
    const stdout = await shell(`${command} -o BatchMode=yes -o ConnectTimeout=10 hostname`);
    assert.equal(stdout.trim(), `ip-${box.publicIp!.replace(/\./g, '-')}`);

    // The alias pointing at a box with other keys must be refused: the pin, not luck, let us in.
    await registry.register({ ...endpoint, hostKeys: [{ ...endpoint.hostKeys[0], base64: 'AAAAC3NzaC1lZDI1NTE5AAAAIBrEPrEsEnTeDbYaNaTtAcKeRrrrrrrrrrrrrrrr' }] });
    await assert.rejects(shell(`${command} -o BatchMode=yes -o ConnectTimeout=10 true`), /Host key verification failed|REMOTE HOST IDENTIFICATION/);
  });

  it('resolves and creates the workspace folder as an absolute path on the box', async () => {
    const endpoint = await resolveBoxEndpoint(clients, box, { keyDirectory: keyDirectory(), defaultUser: 'ubuntu' });
    const client = await connectEndpoint(endpoint);
    try {
      const remote = await resolveRemoteDirectory(client, '~/work/project');
      assert.equal(remote, '/home/ubuntu/work/project', "under the image user's home");
      const exists = await new Promise<number | null>((resolve, reject) =>
        client.exec(`test -d '${remote}'`, (error, stream) => (error ? reject(error) : stream.on('close', resolve).resume())),
      );
      assert.equal(exists, 0, 'the folder exists on the box');
    } finally {
      client.end();
    }
  });

  it('explains a missing private key and a box that is not running, with a next step', async () => {
    await assert.rejects(resolveBoxEndpoint(clients, box, { keyDirectory: path.join(directory, 'elsewhere'), defaultUser: 'ubuntu' }), (error: Error & { nextStep?: string }) => {
      assert.match(error.message, /private key of attachbox .* is not on this machine/);
      return true;
    });
    await assert.rejects(resolveBoxEndpoint(clients, { ...box, state: 'pending' }, { keyDirectory: keyDirectory(), defaultUser: 'ubuntu' }), /attachbox is pending/);
  });
});

function shell(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}
