import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  CreateFleetCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeVolumesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Image,
} from '@aws-sdk/client-ec2';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { launchBox } from '../../../src/core/launch/launcher';
import { silentLogger } from '../../../src/core/logging/logger';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { startTestSandbox, stopTestSandbox, tempDir, testLaunchRequest, waitForState } from '../e2e/sandboxHarness';

const REGION = 'us-east-1';

describe('Root volumes: the sandbox describes and enforces them as EC2 does, and the launcher follows the image', function () {
  this.timeout(120_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let dlami: Image;
  let amazonLinux: Image;

  before(async () => {
    directory = tempDir('spotbox-root-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    const all = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images ?? [];
    dlami = all.find((image) => image.Name?.startsWith('Deep Learning OSS'))!;
    amazonLinux = all.find((image) => image.Name?.startsWith('al2023-ami-'))!;
    assert.ok(dlami && amazonLinux, 'the sandbox lists a Deep Learning AMI and Amazon Linux 2023');
  });

  after(async () => {
    clients?.dispose();
    ec2?.destroy();
    await stopTestSandbox(sandbox, directory);
  });

  it('describes each image with its real root device and root snapshot size', () => {
    const root = (image: Image) => [image.RootDeviceName, image.BlockDeviceMappings?.find((m) => m.DeviceName === image.RootDeviceName)?.Ebs?.VolumeSize];
    assert.deepEqual(root(dlami), ['/dev/sda1', 75]);
    assert.deepEqual(root(amazonLinux), ['/dev/xvda', 8]);
    assert.match(dlami.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId ?? '', /^snap-[0-9a-f]{17}$/);
  });

  it('refuses a root smaller than its snapshot with InvalidBlockDeviceMapping: RunInstances fails, CreateFleet reports it in errorSet', async () => {
    const snapshot = dlami.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId;
    const expected = `Volume of size 50GB is smaller than  snapshot '${snapshot}', expect size >= 75GB`;
    await assert.rejects(
      ec2.send(new RunInstancesCommand({ ImageId: dlami.ImageId, InstanceType: 'g5.xlarge', MinCount: 1, MaxCount: 1, BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 50 } }] })),
      (error: Error) => error.name === 'InvalidBlockDeviceMapping' && error.message === expected,
    );
    const template = await ec2.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'root-too-small',
      LaunchTemplateData: { ImageId: dlami.ImageId, BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 50, Encrypted: true } }] },
    }));
    assert.deepEqual(template.Warning?.Errors?.map((e) => e.Code), ['InvalidBlockDeviceMapping']);
    const templateId = template.LaunchTemplate!.LaunchTemplateId!;
    try {
      const fleet = await ec2.send(new CreateFleetCommand({
        Type: 'instant',
        LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '$Latest' }, Overrides: [{ InstanceType: 'g5.xlarge' }] }],
        TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand' },
      }));
      assert.deepEqual(fleet.Instances ?? [], []);
      assert.ok((fleet.Errors ?? []).length > 0 && (fleet.Errors ?? []).every((e) => e.ErrorCode === 'InvalidBlockDeviceMapping' && e.ErrorMessage === expected), JSON.stringify(fleet.Errors));
    } finally {
      await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: templateId }));
    }
  });

  it('the launcher refuses volumeGb below the snapshot before creating anything', async () => {
    const templatesBefore = (await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates?.length;
    const request = testLaunchRequest({ boxName: 'tiny', region: REGION, imageId: dlami.ImageId!, volumeGb: 50, keyDirectory: path.join(directory, 'keys') });
    await assert.rejects(launchBox(clients, request, { logger: silentLogger }), /"volumeGb": 50 is smaller than the root snapshot .*\(75 GB\).*Nothing was created/);
    assert.equal((await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates?.length, templatesBefore);
  });

  it('an Amazon Linux (/dev/xvda) box gets an encrypted root of volumeGb and no extra volume', async () => {
    const request = testLaunchRequest({ boxName: 'al2023', region: REGION, imageId: amazonLinux.ImageId!, volumeGb: 20, keyDirectory: path.join(directory, 'keys') });
    const box = await launchBox(clients, request, { logger: silentLogger });
    try {
      await waitForState(ec2, [box.instanceId], 'running');
      const volumes = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [box.instanceId] }] }))).Volumes ?? [];
      assert.deepEqual(volumes.map((v) => [v.Attachments?.[0]?.Device, v.Size, v.Encrypted]), [['/dev/xvda', 20, true]]);
    } finally {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [box.instanceId] }));
    }
  });

  it('a RunInstances without mappings boots the image\'s own root, unencrypted, at the snapshot size', async () => {
    await ec2.send(new CreateKeyPairCommand({ KeyName: 'root-plain' }));
    const run = await ec2.send(new RunInstancesCommand({ ImageId: amazonLinux.ImageId, InstanceType: 'g5.xlarge', MinCount: 1, MaxCount: 1, KeyName: 'root-plain' }));
    const instanceId = run.Instances![0].InstanceId!;
    try {
      assert.equal(run.Instances![0].RootDeviceName, '/dev/xvda');
      const volumes = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }))).Volumes ?? [];
      assert.deepEqual(volumes.map((v) => [v.Attachments?.[0]?.Device, v.Size, v.Encrypted]), [['/dev/xvda', 8, false]]);
    } finally {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    }
  });
});
