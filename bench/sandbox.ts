import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateFleetCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  GetConsoleOutputCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { parseConsoleHostKeyFingerprints } from '../src/core/ssh/hostKeyFingerprints';
import { startSandbox } from '../sandbox/sandbox';
import { sshExec } from '../test/sandbox/e2e/sshExec';
import { percentile } from './stats';
import { runBench } from './benchCli';

/**
 * `npm run bench:sandbox`: the sandbox's own speed — EC2 API latency through the real SDK, and how
 * long 20 boxes take from CreateFleet to answering SSH (boot delay set to 0, so this is the
 * sandbox's overhead, not the simulated boot time).
 */
async function main(): Promise<void> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-bench-'));
  const sandbox = await startSandbox({ directory, bootDelayMs: { min: 0, max: 0 }, consoleDelayMs: 0 });
  Object.assign(process.env, sandbox.environment);
  try {
    const ec2 = new EC2Client({ region: 'us-east-1' });
    await ec2.send(new DescribeInstancesCommand({}));

    for (const [name, send] of [
      ['DescribeInstances', () => ec2.send(new DescribeInstancesCommand({}))],
      ['DescribeSpotPriceHistory (1 type, 1 h)', () => ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['p5.48xlarge'], StartTime: new Date(Date.now() - 3_600_000) }))],
    ] as const) {
      const samples = await timeMany(300, send);
      console.log(`${name}: p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms over ${samples.length} calls`);
    }

    const privateKey = (await ec2.send(new CreateKeyPairCommand({ KeyName: 'bench', KeyType: 'ed25519' }))).KeyMaterial ?? '';
    const imageId = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images?.[0]?.ImageId;
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'bench', LaunchTemplateData: { ImageId: imageId, KeyName: 'bench' } }));
    const started = performance.now();
    const fleet = await ec2.send(
      new CreateFleetCommand({
        Type: 'instant',
        LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: 'bench', Version: '$Latest' }, Overrides: [{ InstanceType: 'g5.xlarge' }, { InstanceType: 'g4dn.xlarge' }] }],
        TargetCapacitySpecification: { TotalTargetCapacity: 20, DefaultTargetCapacityType: 'spot' },
      }),
    );
    const instanceIds = (fleet.Instances ?? []).flatMap((group) => group.InstanceIds ?? []);
    await Promise.all(instanceIds.map((instanceId) => untilSshAnswers(ec2, instanceId, privateKey)));
    const elapsed = performance.now() - started;
    console.log(`20 boxes from CreateFleet to SSH-ready (host key pinned, command run): ${(elapsed / 1000).toFixed(2)} s (${os.cpus().length} cores)`);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
  } finally {
    await sandbox.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

async function untilSshAnswers(ec2: EC2Client, instanceId: string, privateKey: string): Promise<void> {
  for (;;) {
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    if (instance?.State?.Name === 'running' && instance.PublicIpAddress) {
      const output = (await ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId }))).Output ?? '';
      const pinnedFingerprints = parseConsoleHostKeyFingerprints(Buffer.from(output, 'base64').toString()).map((key) => key.fingerprint);
      if (pinnedFingerprints.length > 0) {
        const port = Number(instance.Tags?.find((tag) => tag.Key === 'spotbox:ssh-port')?.Value ?? 22);
        await sshExec({ host: instance.PublicIpAddress, port, privateKey, pinnedFingerprints }, 'true');
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function timeMany(count: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return samples;
}

runBench(main);
