import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  CreateFleetCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  DeleteFleetsCommand,
  DescribeFleetInstancesCommand,
  DescribeInstancesCommand,
  EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { sshExec, type SshTarget } from './sshExec';
import { consoleFingerprints, eventually, processesMentioning, sandboxImageId, sshPortOf, startTestSandbox, stopTestSandbox, tempDir, waitForState } from './sandboxHarness';

const REGION = 'us-east-1';

/** Root writes this at boot; the box's user reads it back with its own instance id from IMDS. */
const USER_DATA = '#!/bin/sh\nT=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 30" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/api/token")\n' +
  'curl -s -H "X-aws-ec2-metadata-token: $T" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/meta-data/instance-id" > /home/ubuntu/booted-as\n';

describe('Sandbox: an EC2 Fleet of type maintain replaces a real box', function () {
  this.timeout(180_000);
  let directory: string;
  let sandbox: RunningSandbox;
  let ec2: EC2Client;
  let privateKey: string;

  const control = async (route: string, body: unknown): Promise<number> => {
    const response = await fetch(`${sandbox.endpoints.control}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await response.text();
    return response.status;
  };

  /** The fleet's one live instance once it is running and it is not one of `not` (and nothing else lives). */
  const theLiveOne = (fleetId: string, not: string[]): Promise<Instance> =>
    eventually(`one running instance of ${fleetId}`, async () => {
      const r = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:aws:ec2:fleet-id', Values: [fleetId] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down'] }] }));
      const live = (r.Reservations ?? []).flatMap((x) => x.Instances ?? []);
      return live.length === 1 && live[0].State?.Name === 'running' && !not.includes(live[0].InstanceId!) ? live[0] : undefined;
    }, 60_000, 300);

  const targetOf = async (instance: Instance): Promise<SshTarget> => ({
    host: instance.PublicIpAddress!, port: sshPortOf(instance), privateKey, pinnedFingerprints: await consoleFingerprints(ec2, instance.InstanceId!),
  });

  before(async () => {
    directory = tempDir('spotbox-e2e-maintain-');
    sandbox = await startTestSandbox(directory);
    ec2 = new EC2Client({ region: REGION });
    privateKey = (await ec2.send(new CreateKeyPairCommand({ KeyName: 'maintain', KeyType: 'ed25519' }))).KeyMaterial!;
    const imageId = await sandboxImageId(REGION);
    await ec2.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'maintain',
      LaunchTemplateData: { ImageId: imageId, KeyName: 'maintain', MetadataOptions: { HttpTokens: 'required' }, UserData: Buffer.from(USER_DATA).toString('base64') },
    }));
  });

  after(async () => {
    await stopTestSandbox(sandbox, directory);
  });

  it('interrupted with a notice, the box is replaced by the fleet; the replacement boots its user data; DeleteFleets leaves nothing', async () => {
    const { FleetId: fleetId } = await ec2.send(new CreateFleetCommand({
      Type: 'maintain',
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: 'maintain', Version: '$Latest' }, Overrides: [{ InstanceType: 'g5.xlarge' }, { InstanceType: 'g6.xlarge' }] }],
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized' },
    }));
    const first = await theLiveOne(fleetId!, []);
    const firstId = first.InstanceId!;
    const booted = await eventually('user data on the first box', async () => {
      const out = await sshExec(await targetOf(first), 'cat booted-as 2>/dev/null');
      return out.stdout.trim() || undefined;
    });
    assert.equal(booted, firstId);

    assert.equal(await control('/faults/interrupt', { instanceId: firstId, leadSeconds: 2 }), 200);
    await waitForState(ec2, [firstId], 'terminated', 30_000);
    const second = await theLiveOne(fleetId!, [firstId]);
    const secondId = second.InstanceId!;
    assert.equal(second.Tags?.find((t) => t.Key === 'aws:ec2:fleet-id')?.Value, fleetId);
    const again = await eventually('user data on the replacement', async () => {
      const out = await sshExec(await targetOf(second), 'cat booted-as 2>/dev/null');
      return out.stdout.trim() || undefined;
    });
    assert.equal(again, secondId, 'the replacement ran the launch template\'s user data as itself');
    assert.equal(fs.existsSync(sandbox.boxHost.boxDir(firstId)), false, 'the interrupted box is gone with its disk');
    assert.deepEqual(processesMentioning(firstId), []);
    const active = await ec2.send(new DescribeFleetInstancesCommand({ FleetId: fleetId }));
    assert.deepEqual(active.ActiveInstances?.map((i) => i.InstanceId), [secondId]);

    const deleted = await ec2.send(new DeleteFleetsCommand({ FleetIds: [fleetId!], TerminateInstances: true }));
    assert.equal(deleted.SuccessfulFleetDeletions?.[0]?.CurrentFleetState, 'deleted_terminating');
    await waitForState(ec2, [secondId], 'terminated', 30_000);
    await new Promise((r) => setTimeout(r, 2500));
    const left = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:aws:ec2:fleet-id', Values: [fleetId!] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
    assert.deepEqual((left.Reservations ?? []).flatMap((x) => x.Instances ?? []), [], 'nothing relaunched after DeleteFleets');
    assert.deepEqual(processesMentioning(secondId), []);
  });
});
