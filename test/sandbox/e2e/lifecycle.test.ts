import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { CreateKeyPairCommand, DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { sshExec } from './sshExec';
import { consoleFingerprints, eventually, processesMentioning, setEnvironment, sshPortOf, startTestSandbox, tempDir, waitForState } from './sandboxHarness';

const repoRoot = path.resolve(__dirname, '../../../..');

describe('Sandbox: restarts and the `npm run sandbox` process', function () {
  this.timeout(120_000);

  it('a restart keeps the state: a running box boots again with the same address, host key and disk', async () => {
    const directory = tempDir('spotbox-e2e-restart-');
    let sandbox: RunningSandbox | undefined = await startTestSandbox(directory);
    try {
      const ec2 = new EC2Client({ region: 'eu-west-1' });
      const privateKey = (await ec2.send(new CreateKeyPairCommand({ KeyName: 'restart', KeyType: 'ed25519' }))).KeyMaterial!;
      const imageId = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0].ImageId!;
      const { Instances } = await ec2.send(
        new RunInstancesCommand({ ImageId: imageId, InstanceType: 'g5.xlarge', MinCount: 1, MaxCount: 1, KeyName: 'restart', InstanceMarketOptions: { MarketType: 'spot' } }),
      );
      const instanceId = Instances![0].InstanceId!;
      const [before] = await waitForState(ec2, [instanceId], 'running');
      const fingerprints = await consoleFingerprints(ec2, instanceId);
      const target = { host: before.PublicIpAddress!, port: sshPortOf(before), privateKey, pinnedFingerprints: fingerprints };
      await sshExec(target, 'echo epoch-3 > progress.txt');

      await sandbox.stop();
      sandbox = undefined;
      assert.deepEqual(processesMentioning(directory), [], 'stop() leaves no box process');

      sandbox = await startTestSandbox(directory);
      const restartedClient = new EC2Client({ region: 'eu-west-1' });
      const [after] = await waitForState(restartedClient, [instanceId], 'running');
      assert.equal(after.PublicIpAddress, before.PublicIpAddress);
      const stdout = await eventually('SSH after restart', async () => (await sshExec({ ...target, port: sshPortOf(after) }, 'cat progress.txt')).stdout);
      assert.equal(stdout.trim(), 'epoch-3', 'the disk survived; the host key is the pinned one');
    } finally {
      await sandbox?.stop();
      assert.deepEqual(processesMentioning(directory), []);
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it('--no-editor prints one parseable SPOTBOX_SANDBOX line, and SIGTERM stops every process', async () => {
    const directory = tempDir('spotbox-e2e-main-');
    const child = spawn(process.execPath, [path.join(repoRoot, 'out', 'sandbox', 'main.js'), '--no-editor', '--dir', directory, '--boot-delay', '0.2-0.5'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = readline.createInterface({ input: child.stdout });
      const line = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        void exited.then((code) => reject(new Error(`sandbox exited (${code}) before printing its line: ${stderr}`)));
      });
      const match = /^SPOTBOX_SANDBOX (\{.*\})$/.exec(line);
      assert.ok(match, `unexpected first line: ${line}`);
      const endpoints = JSON.parse(match[1]) as Record<string, string>;
      assert.deepEqual(Object.keys(endpoints).sort(), [
        'awsConfigFile',
        // Azure's endpoints, all named azure*.
        'azureArm', 'azureAuthority', 'azureBlob', 'azureCaFile', 'azureConfigDir', 'azureContainer', 'azureRetailPrices', 'azureStorageAccount', 'azureSubscriptionId', 'azureTenantId',
        'control', 'ec2',
        // Google Cloud's endpoints, all named gcp*.
        'gcpBilling', 'gcpBucket', 'gcpCompute', 'gcpConfigDir', 'gcpConfiguration', 'gcpKeyFile', 'gcpProject', 'gcpStorage', 'gcpTokenUri',
        'profile', 's3', 'sshMode',
      ]);
      assert.match(fs.readFileSync(`${endpoints.gcpConfigDir}/configurations/config_${endpoints.gcpConfiguration}`, 'utf8'), /^project = spotbox-sandbox$/m);
      assert.match(fs.readFileSync(`${endpoints.azureConfigDir}/config`, 'utf8'), /^name = SpotboxSandbox$/m);
      assert.equal(endpoints.profile, 'spotbox-sandbox');
      assert.match(fs.readFileSync(endpoints.awsConfigFile, 'utf8'), /\[profile spotbox-sandbox\]/);
      assert.equal((await fetch(`${endpoints.control}/health`)).status, 200);

      // A box running when the signal comes must not outlive the sandbox.
      const restore = setEnvironment({ AWS_CONFIG_FILE: endpoints.awsConfigFile, AWS_PROFILE: endpoints.profile });
      try {
        const ec2 = new EC2Client({ region: 'us-west-2' });
        const imageId = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0].ImageId!;
        const { Instances } = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: 'g4dn.xlarge', MinCount: 1, MaxCount: 1 }));
        await waitForState(ec2, [Instances![0].InstanceId!], 'running');
      } finally {
        restore();
      }
      assert.ok(processesMentioning(directory).length > 0, 'the box runs');

      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.deepEqual(processesMentioning(directory), []);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
