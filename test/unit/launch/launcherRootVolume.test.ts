import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Image } from '@aws-sdk/client-ec2';
import { SpotboxError } from '../../../src/core/errors';
import { launchBox } from '../../../src/core/launch/launcher';
import type { LaunchRequest } from '../../../src/core/launch/launchTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import { fakeEc2 } from './fakeEc2';

const image = (rootDeviceName: string, snapshotGb: number): Image => ({
  ImageId: 'ami-0123456789abcdef0',
  RootDeviceName: rootDeviceName,
  BlockDeviceMappings: [{ DeviceName: rootDeviceName, Ebs: { SnapshotId: 'snap-0123456789abcdef0', VolumeSize: snapshotGb, Encrypted: false } }],
});

describe('launchBox: the root volume follows the image (DescribeImages)', () => {
  let keyDirectory: string;
  const request = (volumeGb: number): LaunchRequest => ({
    boxName: 'llama', region: 'us-east-1', pools: [{ instanceType: 'g5.xlarge' }], imageId: 'ami-0123456789abcdef0',
    maxPricePerHour: 2, allocationStrategy: 'price-capacity-optimized', onDemandFallback: false, volumeGb,
    sshCidr: '203.0.113.7/32', owner: 'tester', keyDirectory,
  });
  beforeEach(() => { keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-root-')); });
  afterEach(() => fs.rmSync(keyDirectory, { recursive: true, force: true }));

  it('maps the encrypted root to the image\'s own device name (/dev/xvda), and only that one', async () => {
    const ec2 = fakeEc2(image('/dev/xvda', 8));
    await launchBox(ec2.clients, request(100), { logger: silentLogger });
    const template = ec2.sent.find((call) => call.name === 'CreateLaunchTemplateCommand')?.input as { LaunchTemplateData: { BlockDeviceMappings: unknown } };
    assert.deepEqual(template.LaunchTemplateData.BlockDeviceMappings, [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 100, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }]);
  });

  it('refuses a volumeGb below the root snapshot before creating anything, saying the size to use', async () => {
    const ec2 = fakeEc2(image('/dev/sda1', 75));
    await assert.rejects(launchBox(ec2.clients, request(50), { logger: silentLogger }), (error: unknown) => {
      assert.ok(error instanceof SpotboxError);
      assert.match(error.message, /"volumeGb": 50 is smaller than the root snapshot of ami-0123456789abcdef0 \(75 GB\)/);
      assert.match(error.nextStep ?? '', /"volumeGb" .* to 75 or more/);
      return true;
    });
    assert.deepEqual(ec2.sent.filter((call) => /^(Create|Authorize)/.test(call.name)), []);
    assert.deepEqual(fs.readdirSync(keyDirectory), []);
  });

  it('refuses an image it cannot describe instead of guessing /dev/sda1', async () => {
    const ec2 = fakeEc2(undefined);
    await assert.rejects(launchBox(ec2.clients, request(100), { logger: silentLogger }), /image ami-0123456789abcdef0 does not exist/);
    assert.deepEqual(ec2.sent.filter((call) => /^Create/.test(call.name)), []);
  });
});
