import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  CreateFleetCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeSpotInstanceRequestsCommand,
  EC2Client,
  RunInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Client } from 'ssh2';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { SANDBOX_BUCKET } from '../../../sandbox/sandbox';
import { sshExec, type SshTarget } from './sshExec';
import { consoleFingerprints, describeAll, processesMentioning, sandboxImageId, sshPortOf, startTestSandbox, tempDir, waitForState, stopTestSandbox } from './sandboxHarness';

const REGION = 'us-east-1';

describe('Sandbox: faults and events over the control API', function () {
  this.timeout(120_000);
  let directory: string;
  let sandbox: RunningSandbox;
  let ec2: EC2Client;
  let privateKey: string;
  let imageId: string;

  const control = async (route: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${sandbox.endpoints.control}${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  };

  const launchSpotBox = async (): Promise<{ instance: Instance; target: SshTarget }> => {
    const { Instances } = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: 'g5.xlarge',
        MinCount: 1,
        MaxCount: 1,
        KeyName: 'faults',
        InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '5.00' } },
        MetadataOptions: { HttpTokens: 'required' },
      }),
    );
    const [instance] = await waitForState(ec2, [Instances![0].InstanceId!], 'running');
    const pinnedFingerprints = await consoleFingerprints(ec2, instance.InstanceId!);
    return { instance: instance, target: { host: instance.PublicIpAddress!, port: sshPortOf(instance), privateKey, pinnedFingerprints } };
  };

  before(async () => {
    directory = tempDir('spotbox-e2e-faults-');
    sandbox = await startTestSandbox(directory);
    ec2 = new EC2Client({ region: REGION });
    privateKey = (await ec2.send(new CreateKeyPairCommand({ KeyName: 'faults', KeyType: 'ed25519' }))).KeyMaterial!;
    imageId = await sandboxImageId(REGION);
  });

  after(async () => {
    await stopTestSandbox(sandbox, directory);
  });

  it('spot interruption: the notice shows in IMDS inside the box, then the box is terminated with its disk and processes', async () => {
    const { instance, target } = await launchSpotBox();
    const instanceId = instance.InstanceId!;
    await sshExec(target, 'nohup sleep 1000 >/dev/null 2>&1 & echo started > work.txt');
    assert.ok(fs.existsSync(sandbox.boxHost.boxDir(instanceId)));

    const notice = await control('/faults/interrupt', { instanceId, leadSeconds: 3 });
    assert.equal(notice.status, 200, JSON.stringify(notice.json));
    const readAction =
      'T=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 30" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/api/token"); ' +
      'curl -s -H "X-aws-ec2-metadata-token: $T" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/meta-data/spot/instance-action"';
    const action = JSON.parse((await sshExec(target, readAction)).stdout) as { action: string; time: string };
    assert.equal(action.action, 'terminate');
    assert.ok(Date.parse(action.time) > Date.now() - 1000, 'the action time lies in the future');

    const [terminated] = await waitForState(ec2, [instanceId], 'terminated', 30_000);
    assert.equal(terminated.StateReason?.Code, 'Server.SpotInstanceTermination');
    assert.equal(fs.existsSync(sandbox.boxHost.boxDir(instanceId)), false, 'disk deleted');
    assert.deepEqual(processesMentioning(instanceId), []);
    const requests = await ec2.send(new DescribeSpotInstanceRequestsCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }] }));
    assert.match(requests.SpotInstanceRequests?.[0]?.Status?.Code ?? '', /^instance-terminated-/);
    const kinds = (sandbox.events.events().filter((event) => event.details.instanceId === instanceId)).map((event) => event.kind);
    assert.ok(kinds.includes('spot-interruption-notice') && kinds.includes('instance-terminated'), kinds.join(','));
  });

  it('rebalance recommendation appears in IMDS; dropping SSH closes open sessions', async () => {
    const { instance, target } = await launchSpotBox();
    assert.equal((await control('/faults/rebalance', { instanceId: instance.InstanceId })).status, 200);
    const rebalance = await sshExec(
      target,
      'T=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 30" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/api/token"); ' +
        'curl -s -H "X-aws-ec2-metadata-token: $T" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/meta-data/events/recommendations/rebalance"',
    );
    assert.ok((JSON.parse(rebalance.stdout) as { noticeTime?: string }).noticeTime);

    const client = new Client();
    const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) =>
      client.on('ready', () => resolve()).on('error', reject).connect({ host: target.host, port: target.port, username: 'ubuntu', privateKey, hostVerifier: () => true }),
    );
    const dropped = await control('/faults/drop-ssh', { instanceId: instance.InstanceId });
    assert.deepEqual(dropped.json, { dropped: 1 });
    await closed;
    assert.equal((await sshExec(target, 'echo back')).stdout.trim(), 'back', 'new connections still work');
  });

  it('capacity fault in the cheapest pool: CreateFleet reports it in errorSet and fills capacity from the next pool', async () => {
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'faults', LaunchTemplateData: { ImageId: imageId, KeyName: 'faults' } }));
    assert.equal((await control('/faults/capacity', { region: REGION, instanceType: 'g4dn.xlarge', count: 0 })).status, 200);
    const fleet = await ec2.send(
      new CreateFleetCommand({
        Type: 'instant',
        LaunchTemplateConfigs: [
          {
            LaunchTemplateSpecification: { LaunchTemplateName: 'faults', Version: '$Latest' },
            Overrides: [{ InstanceType: 'g5.xlarge' }, { InstanceType: 'g4dn.xlarge' }],
          },
        ],
        TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: 'spot' },
        SpotOptions: { AllocationStrategy: 'lowest-price' },
      }),
    );
    await control('/faults/clear', {});
    assert.ok(fleet.Errors?.some((error) => error.ErrorCode === 'InsufficientInstanceCapacity' && error.LaunchTemplateAndOverrides?.Overrides?.InstanceType === 'g4dn.xlarge'), JSON.stringify(fleet.Errors));
    const launched = (fleet.Instances ?? []).flatMap((group) => group.InstanceIds ?? []);
    assert.equal(launched.length, 2);
    assert.ok((fleet.Instances ?? []).every((group) => group.InstanceType === 'g5.xlarge'));
    const described = await describeAll(ec2, launched);
    assert.ok(described.every((instance) => instance.InstanceType === 'g5.xlarge'));
  });

  it('throttling: the SDK retries RequestLimitExceeded and succeeds', async () => {
    assert.equal((await control('/faults/throttle', { count: 2 })).status, 200);
    const result = await ec2.send(new DescribeInstancesCommand({}));
    assert.equal(result.$metadata.attempts, 3);
    assert.ok((sandbox.events.events({ kind: 'throttle-fault' })).length >= 1);
  });

  it('S3 through the sandbox profile: a round trip, and 5xx faults retried by the SDK', async () => {
    const s3 = new S3Client({ region: REGION });
    await s3.send(new PutObjectCommand({ Bucket: SANDBOX_BUCKET, Key: 'checkpoints/step-1.pt', Body: 'weights' }));
    assert.equal((await control('/faults/s3-errors', { count: 2, status: 503 })).status, 200);
    const got = await s3.send(new GetObjectCommand({ Bucket: SANDBOX_BUCKET, Key: 'checkpoints/step-1.pt' }));
    assert.equal(await got.Body?.transformToString(), 'weights');
    assert.equal(got.$metadata.attempts, 3);
  });

  it('bad control requests get a 400/404 with a reason, never a crash', async () => {
    assert.equal((await control('/faults/interrupt', {})).status, 400);
    assert.equal((await control('/faults/interrupt', { instanceId: 'i-doesnotexist' })).status, 404);
    assert.equal((await control('/faults/throttle', { count: -1 })).status, 400);
    assert.equal((await control('/faults/nope', {})).status, 404);
    assert.equal((await control('/health')).status, 200);
  });
});
