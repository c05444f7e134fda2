import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LaunchRequest } from '../../../src/core/launch/launchTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import { cloudRecoveryPorts } from '../../../src/core/recoveryPorts/cloudRecoveryPorts';
import { fakeEc2 } from '../launch/fakeEc2';

describe('a replacement opens SSH to the caller\'s IP of now, not of the first launch', () => {
  let keyDirectory: string;
  beforeEach(() => { keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-replacement-')); });
  afterEach(() => fs.rmSync(keyDirectory, { recursive: true, force: true }));

  const recorded = (): LaunchRequest => ({
    boxName: 'llama', region: 'us-east-1', pools: [{ instanceType: 'g5.xlarge' }], imageId: 'ami-0123456789abcdef0',
    maxPricePerHour: 2, allocationStrategy: 'price-capacity-optimized', onDemandFallback: false, volumeGb: 100,
    sshCidr: '203.0.113.7/32', owner: 'tester', keyDirectory,
  });
  // An editor lineage (no fleet): the window launches the replacement itself.
  const context = () => ({
    record: { lineage: 'llama-1', boxName: 'llama', region: 'us-east-1', launch: recorded(), checkpointDir: '~/checkpoints', workspaceDir: '~/workspace', currentInstanceId: 'i-old', instanceIds: ['i-old'] },
    run: { id: 'run-1', trigger: 'notice' as const, owner: 'w', heartbeatAt: 0, interruptedInstanceId: 'i-old', interruptedPool: { instanceType: 'g5.xlarge' }, phase: 'launching' as const, timeline: {} },
  });
  const image = { ImageId: 'ami-0123456789abcdef0', RootDeviceName: '/dev/sda1', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 75 } }] };
  const openedTo = (sent: ReturnType<typeof fakeEc2>['sent']) =>
    (sent.find((call) => call.name === 'AuthorizeSecurityGroupIngressCommand')?.input as { IpPermissions: Array<{ IpRanges: Array<{ CidrIp: string }> }> }).IpPermissions[0]?.IpRanges[0]?.CidrIp;
  const ports = (ec2: ReturnType<typeof fakeEc2>, callerCidr: () => Promise<string>) =>
    cloudRecoveryPorts({ clients: () => ec2.clients, endpointOf: async () => { throw new Error('unused'); }, releaseLaunchResources: async () => undefined, ownerId: 'owner-1', logger: silentLogger, callerCidr });

  it('reads the caller IP again for the replacement\'s security group', async () => {
    const ec2 = fakeEc2(image);
    await ports(ec2, async () => '198.51.100.42/32').launchReplacement(recorded(), new AbortController().signal, context());
    assert.equal(openedTo(ec2.sent), '198.51.100.42/32');
  });

  it('keeps the recorded address when the IP cannot be read (nobody is there to ask)', async () => {
    const ec2 = fakeEc2(image);
    await ports(ec2, async () => { throw new Error('fetch failed'); }).launchReplacement(recorded(), new AbortController().signal, context());
    assert.equal(openedTo(ec2.sent), '203.0.113.7/32');
  });
});
