import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Image } from '@aws-sdk/client-ec2';
import type { Client } from 'ssh2';
import type { BoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import type { Box } from '../../../src/core/boxes/box';
import { isCancellation } from '../../../src/core/errors';
import { BoxKeptError } from '../../../src/core/profileLaunch/boxKeptError';
import { launchFromProfile, PROFILE_LAUNCH_STEPS, type ProfileLaunchPorts, type ProfileLaunchStep } from '../../../src/core/profileLaunch/launchFromProfile';
import { silentLogger } from '../../../src/core/logging/logger';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../../../src/core/profile/profileTypes';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import { fakeEc2 } from '../launch/fakeEc2';

const IMAGE: Image = { ImageId: 'ami-0123456789abcdef0', RootDeviceName: '/dev/sda1', BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { SnapshotId: 'snap-0', VolumeSize: 75 } }] };

const profile = (overrides: Partial<SpotboxProfile> = {}): SpotboxProfile => ({
  ...PROFILE_DEFAULTS,
  name: 'llama',
  regions: ['us-east-1'],
  instanceTypes: ['g5.xlarge'],
  maxPrice: 2,
  image: 'ami-0123456789abcdef0',
  volumeGb: 100,
  checkpoint: { bucket: 'ckpts', prefix: 'spotbox' },
  ...overrides,
});

const runningBox: Box = { cloud: 'aws', instanceId: 'i-0abc', name: 'llama', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot', state: 'running', publicIp: '203.0.113.9', keyName: 'k' };
const endpoint: BoxEndpoint = { instanceId: 'i-0abc', region: 'us-east-1', name: 'llama', host: '203.0.113.9', port: 22, user: 'ubuntu', privateKeyPath: '/k.pem', hostKeys: [] };

/** The real launcher over a fake EC2; every other port records its call in `calls`, in order. */
function rig(overrides: Partial<ProfileLaunchPorts> = {}) {
  const keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-pipeline-'));
  const ec2 = fakeEc2(IMAGE);
  const calls: string[] = [];
  const lineages: LineageRecord[] = [];
  const ports: ProfileLaunchPorts = {
    clients: ec2.clients,
    agentSource: async () => (calls.push('agentSource'), '# the agent'),
    lineages: { put: async (record) => (calls.push('lineage'), lineages.push(record), record) },
    listBoxes: async () => (calls.push('listBoxes'), [runningBox]),
    endpointOf: async () => (calls.push('endpointOf'), endpoint),
    connect: async () => (calls.push('connect'), { end: () => calls.push('ssh end') } as unknown as Client),
    provision: async () => (calls.push('provision'), { workspace: 'none', session: 'none' }),
    bootstrapSource: async () => '# the bootstrap',
    uploadTools: async (_location, files) => (calls.push(`upload ${files.length} tools`), async () => void calls.push('tools removed')),
    ...overrides,
  };
  const target = { pools: { region: 'us-east-1', instanceTypes: ['g5.xlarge'] }, callerCidr: '203.0.113.7/32', keyDirectory, owner: 'tester' };
  const created = (): string[] => ec2.sent.filter((call) => /^(Create|Authorize)/.test(call.name)).map((call) => call.name);
  const deleted = (): string[] => ec2.sent.filter((call) => /^(Delete|Terminate)/.test(call.name)).map((call) => call.name);
  return { ec2, calls, lineages, ports, target, keyDirectory, created, deleted, cleanup: () => fs.rmSync(keyDirectory, { recursive: true, force: true }) };
}

describe('launchFromProfile: the one launch pipeline', () => {
  const rigs: Array<ReturnType<typeof rig>> = [];
  const make = (overrides: Partial<ProfileLaunchPorts> = {}): ReturnType<typeof rig> => {
    const made = rig(overrides);
    rigs.push(made);
    return made;
  };
  afterEach(() => rigs.splice(0).forEach((made) => made.cleanup()));

  it('runs image -> agent -> launch -> lineage -> running -> endpoint -> provision in that order, and closes the SSH connection', async () => {
    const r = make();
    const steps: ProfileLaunchStep[] = [];
    const result = await launchFromProfile(profile(), r.target, r.ports, { logger: silentLogger, onProgress: (step) => (steps.at(-1) === step ? undefined : steps.push(step)) });
    assert.deepEqual(steps, [...PROFILE_LAUNCH_STEPS]);
    assert.deepEqual(r.calls, ['agentSource', 'upload 3 tools', 'lineage', 'listBoxes', 'endpointOf', 'connect', 'provision', 'ssh end']);
    assert.deepEqual(r.created(), ['CreateKeyPairCommand', 'CreateSecurityGroupCommand', 'AuthorizeSecurityGroupIngressCommand', 'CreateLaunchTemplateCommand', 'CreateFleetCommand']);
    assert.deepEqual(r.deleted(), []);
    // The bootstrap goes in the user data, pinning the agent it installs; the lineage names the launched instance with the request that made it.
    assert.match(result.request.userData ?? '', /"install":\[\{"key":"spotbox\/llama-[0-9a-f]+\/tools\/[0-9a-f]{64}\/spotbox_agent\.py"/);
    assert.equal(r.lineages[0].currentInstanceId, 'i-0abc');
    assert.equal(r.lineages[0].launch.lineage, result.request.lineage);
    assert.equal(result.box, runningBox);
  });

  it('a lineage that cannot be written removes everything the launch created: instance, template, group, key pair and key file', async () => {
    const r = make({ lineages: { put: async () => Promise.reject(new Error('disk full')) } });
    await assert.rejects(launchFromProfile(profile(), r.target, r.ports, { logger: silentLogger }), /disk full/);
    assert.deepEqual(r.deleted(), ['TerminateInstancesCommand', 'DeleteLaunchTemplateCommand', 'DeleteSecurityGroupCommand', 'DeleteKeyPairCommand']);
    assert.deepEqual(fs.readdirSync(r.keyDirectory), []);
    assert.ok(r.calls.includes('tools removed'), 'the agent and tools it put in the bucket too');
    assert.ok(!r.calls.includes('listBoxes'), 'nothing waits for a box that is gone');
  });

  it('a profile with a checkpoint and a session launches through a fleet of type maintain, whose box restores itself at boot; the rollback deletes the fleet with its box', async () => {
    const r = make({ lineages: { put: async () => Promise.reject(new Error('disk full')) } });
    const withSession = profile({ session: { command: 'python3 train.py --resume' } });
    await assert.rejects(launchFromProfile(withSession, r.target, r.ports, { logger: silentLogger }), /disk full/);
    const fleet = r.ec2.sent.find((call) => call.name === 'CreateFleetCommand')?.input as { Type: string; TargetCapacitySpecification: { TotalTargetCapacity: number }; ExcessCapacityTerminationPolicy: string };
    assert.equal(fleet.Type, 'maintain');
    assert.equal(fleet.TargetCapacitySpecification.TotalTargetCapacity, 1);
    assert.equal(fleet.ExcessCapacityTerminationPolicy, 'no-termination', 'lowering the target never ends a box');
    const userData = String((r.ec2.sent.find((call) => call.name === 'CreateLaunchTemplateCommand')?.input as { LaunchTemplateData: { UserData: string } }).LaunchTemplateData.UserData);
    assert.match(Buffer.from(userData, 'base64').toString('utf8'), /"boot":\{"command":"python3 train.py --resume","workingDir":"~\/workspace"\}/);
    assert.deepEqual(r.deleted(), ['DeleteFleetsCommand', 'DeleteLaunchTemplateCommand', 'DeleteSecurityGroupCommand', 'DeleteKeyPairCommand']);
    const deletion = r.ec2.sent.find((call) => call.name === 'DeleteFleetsCommand')?.input as { TerminateInstances: boolean };
    assert.equal(deletion.TerminateInstances, true);
  });

  it('"replacement": "editor" keeps the instant fleet: the editor replaces the box', async () => {
    const r = make();
    await launchFromProfile(profile({ session: { command: 'python3 train.py' }, replacement: 'editor' }), r.target, r.ports, { logger: silentLogger });
    assert.equal((r.ec2.sent.find((call) => call.name === 'CreateFleetCommand')?.input as { Type: string }).Type, 'instant');
  });

  it('bad input (a name EC2 cannot take) creates nothing and records no lineage', async () => {
    const r = make();
    await assert.rejects(launchFromProfile(profile({ name: 'Llama_FT' }), r.target, r.ports, { logger: silentLogger }), /"Llama_FT" cannot name a box/);
    assert.deepEqual(r.created(), []);
    assert.ok(!r.calls.includes('lineage'));
    assert.deepEqual(fs.readdirSync(r.keyDirectory), []);
  });

  it('a cancel before the fleet creates nothing and is a cancellation, not an error', async () => {
    const r = make();
    const controller = new AbortController();
    const launching = launchFromProfile(profile(), r.target, r.ports, { logger: silentLogger, signal: controller.signal, onProgress: (step) => (step === 'agent' ? controller.abort() : undefined) });
    await assert.rejects(launching, (error: unknown) => isCancellation(error));
    assert.deepEqual(r.created(), []);
    assert.ok(!r.calls.includes('lineage'));
  });

  it('a failure once the lineage is written keeps the box, says so, and still closes the SSH connection', async () => {
    const r = make({ provision: async () => Promise.reject(new Error('upload refused')) });
    await assert.rejects(launchFromProfile(profile(), r.target, r.ports, { logger: silentLogger }), (error: unknown) => {
      assert.ok(error instanceof BoxKeptError);
      assert.match(error.message, /llama \(i-0abc\) is running, but preparing it failed: upload refused/);
      assert.equal(error.launched.instanceId, 'i-0abc');
      return true;
    });
    assert.deepEqual(r.deleted(), [], 'the usable box is kept');
    assert.equal(r.lineages.length, 1, 'and its lineage, so it can be recovered');
    assert.equal(r.calls.at(-1), 'ssh end');
  });

  it('a cancel while the box boots keeps it (it is usable) and says the preparation was cancelled', async () => {
    const controller = new AbortController();
    const r = make({ listBoxes: async () => (controller.abort(), [{ ...runningBox, state: 'pending' }]) });
    await assert.rejects(launchFromProfile(profile(), r.target, r.ports, { logger: silentLogger, signal: controller.signal, pollMs: 10 }), /is running, but putting the workspace on it was cancelled/);
    assert.deepEqual(r.deleted(), []);
  });

  it('a profile without a checkpoint block launches without an agent or lineage', async () => {
    const r = make();
    const result = await launchFromProfile(profile({ checkpoint: undefined }), r.target, r.ports, { logger: silentLogger });
    assert.equal(result.request.userData, undefined);
    assert.equal(result.lineage, undefined);
    assert.deepEqual(r.calls, ['listBoxes', 'endpointOf', 'connect', 'provision', 'ssh end']);
  });
});
