import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateFleetCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { sshExec } from './sshExec';
import { consoleFingerprints, processesMentioning, sshPortOf, startTestSandbox, tempDir, waitForState, stopTestSandbox } from './sandboxHarness';

const FLEET = [
  { region: 'us-east-1', capacity: 7 },
  { region: 'us-west-2', capacity: 7 },
  { region: 'eu-west-1', capacity: 6 },
];

const IMDS_FROM_INSIDE = [
  'E="$AWS_EC2_METADATA_SERVICE_ENDPOINT"',
  'T=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" "$E/latest/api/token")',
  'curl -s -H "X-aws-ec2-metadata-token: $T" "$E/latest/meta-data/instance-id"; echo',
  'curl -s -H "X-aws-ec2-metadata-token: $T" "$E/latest/meta-data/instance-life-cycle"; echo',
  'curl -s -o /dev/null -w "%{http_code}" "$E/latest/meta-data/instance-id"; echo',
].join('; ');

describe('Sandbox: 20 spot boxes across 3 regions via CreateFleet, over the real SDK and SSH', function () {
  this.timeout(240_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;

  before(async () => {
    directory = tempDir('spotbox-e2e-fleet-');
    sandbox = await startTestSandbox(directory);
  });

  after(async () => {
    await stopTestSandbox(sandbox, directory);
  });

  it('launches, reaches every box over pinned SSH, reads IMDS inside with a token, and terminates all', async () => {
    const launched: Array<{ client: EC2Client; region: string; instanceIds: string[]; privateKey: string }> = [];
    for (const { region, capacity } of FLEET) {
      const client = new EC2Client({ region });
      const { KeyMaterial } = await client.send(new CreateKeyPairCommand({ KeyName: 'e2e', KeyType: 'ed25519' }));
      assert.match(KeyMaterial ?? '', /BEGIN OPENSSH PRIVATE KEY/);
      const { GroupId } = await client.send(new CreateSecurityGroupCommand({ GroupName: 'spotbox-e2e', Description: 'SSH from the test runner only' }));
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '127.0.0.1/32' }] }] }),
      );
      const { Images } = await client.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
      const imageId = Images?.[0]?.ImageId;
      assert.ok(imageId, `an image in ${region}`);
      const zones = (await client.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones?.map((zone) => zone.ZoneName ?? '') ?? [];
      assert.ok(zones.length >= 2, `zones in ${region}`);
      await client.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: 'spotbox-e2e',
          LaunchTemplateData: { ImageId: imageId, KeyName: 'e2e', SecurityGroupIds: [GroupId!], MetadataOptions: { HttpTokens: 'required' } },
        }),
      );
      const fleet = await client.send(
        new CreateFleetCommand({
          Type: 'instant',
          LaunchTemplateConfigs: [
            {
              LaunchTemplateSpecification: { LaunchTemplateName: 'spotbox-e2e', Version: '$Latest' },
              Overrides: [
                { InstanceType: 'g5.xlarge', AvailabilityZone: zones[0] },
                { InstanceType: 'g4dn.xlarge', AvailabilityZone: zones[1] },
                { InstanceType: 'g6.xlarge', AvailabilityZone: zones[0] },
              ],
            },
          ],
          TargetCapacitySpecification: { TotalTargetCapacity: capacity, DefaultTargetCapacityType: 'spot' },
          SpotOptions: { AllocationStrategy: 'price-capacity-optimized' },
        }),
      );
      const instanceIds = (fleet.Instances ?? []).flatMap((group) => group.InstanceIds ?? []);
      assert.equal(instanceIds.length, capacity, `fleet in ${region}: ${JSON.stringify(fleet.Errors)}`);
      launched.push({ client, region, instanceIds, privateKey: KeyMaterial! });
    }
    assert.equal(launched.flatMap((group) => group.instanceIds).length, 20);

    let wrongKeyRejected = false;
    for (const { client, instanceIds, privateKey } of launched) {
      const instances = await waitForState(client, instanceIds, 'running');
      for (const instance of instances) {
        assert.equal(instance.InstanceLifecycle, 'spot');
        assert.match(instance.PublicIpAddress ?? '', /^127\.0\.0\.\d+$/);
        const target = { host: instance.PublicIpAddress!, port: sshPortOf(instance), privateKey };
        const fingerprints = await consoleFingerprints(client, instance.InstanceId!);
        if (!wrongKeyRejected) {
          await assert.rejects(sshExec({ ...target, pinnedFingerprints: ['SHA256:not-this-box'] }, 'true'), 'a host key that does not match the console is refused');
          wrongKeyRejected = true;
        }
        const { stdout } = await sshExec({ ...target, pinnedFingerprints: fingerprints }, IMDS_FROM_INSIDE);
        assert.deepEqual(stdout.trim().split('\n'), [instance.InstanceId, 'spot', '401']);
      }
    }

    for (const { client, instanceIds } of launched) {
      await client.send(new TerminateInstancesCommand({ InstanceIds: instanceIds }));
    }
    for (const { client, instanceIds } of launched) {
      await waitForState(client, instanceIds, 'terminated');
      for (const instanceId of instanceIds) {
        assert.equal(fs.existsSync(sandbox!.boxHost.boxDir(instanceId)), false, `disk of ${instanceId} deleted`);
        assert.deepEqual(processesMentioning(instanceId), [], `no process of ${instanceId} left`);
      }
    }
  });
});
