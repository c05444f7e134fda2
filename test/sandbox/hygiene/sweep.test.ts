import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import { deleteOrphans } from '../../../src/core/hygiene/deleteOrphans';
import { ec2HygieneCloud } from '../../../src/core/hygiene/ec2HygieneCloud';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import type { HygieneCloud } from '../../../src/core/hygiene/orphanTypes';
import { launchBox } from '../../../src/core/launch/launcher';
import type { LaunchedBox, LaunchRequest } from '../../../src/core/launch/launchTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { startTestSandbox, stopTestSandbox, tempDir, waitForState } from '../e2e/sandboxHarness';

const REGION = 'us-west-2';
const SPOTBOX_TAGGED = [{ Name: 'tag-key', Values: ['spotbox:managed', 'spotbox:box'] }];

describe('Sweeping orphaned resources (src/core/hygiene) against the sandbox cloud', function () {
  this.timeout(240_000);
  let directory: string;
  let keyDirectory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let cloud: HygieneCloud;
  let imageId: string;
  const pools = [{ instanceType: 'g4dn.xlarge' }, { instanceType: 'g5.xlarge' }];

  const request = (boxName: string): LaunchRequest => ({
    boxName,
    region: REGION,
    pools,
    imageId,
    maxPricePerHour: 2,
    allocationStrategy: 'lowest-price',
    onDemandFallback: false,
    volumeGb: 50,
    sshCidr: '127.0.0.1/32',
    owner: 'tester',
    keyDirectory,
  });

  /** Every Spotbox-tagged resource in the region that still exists, as "kind id". */
  const spotboxResources = async (): Promise<string[]> => {
    const instances = (await ec2.send(new DescribeInstancesCommand({ Filters: [...SPOTBOX_TAGGED, { Name: 'instance-state-name', Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'] }] })))
      .Reservations?.flatMap((reservation) => reservation.Instances ?? []) ?? [];
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: SPOTBOX_TAGGED }))).SecurityGroups ?? [];
    const keys = (await ec2.send(new DescribeKeyPairsCommand({ Filters: SPOTBOX_TAGGED }))).KeyPairs ?? [];
    const templates = (await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: SPOTBOX_TAGGED }))).LaunchTemplates ?? [];
    return [
      ...instances.map((instance) => `instance ${instance.InstanceId}`),
      ...templates.map((template) => `launch-template ${template.LaunchTemplateId}`),
      ...keys.map((key) => `key-pair ${key.KeyName}`),
      ...groups.map((group) => `security-group ${group.GroupId}`),
    ].sort();
  };
  const resourcesOf = (box: LaunchedBox, withInstance: boolean): string[] =>
    [...(withInstance ? [`instance ${box.instanceId}`] : []), `launch-template ${box.launchTemplateId}`, `key-pair ${box.keyPairName}`, `security-group ${box.securityGroupId}`].sort();

  before(async () => {
    directory = tempDir('spotbox-sweep-');
    keyDirectory = path.join(directory, 'keys');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    cloud = ec2HygieneCloud(clients);
    const image = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images?.[0]?.ImageId;
    assert.ok(image);
    imageId = image;
  });

  after(async () => {
    clients?.dispose();
    ec2?.destroy();
    await stopTestSandbox(sandbox, directory);
  });

  it('finds what terminated boxes, strays and an interrupted rollback left, deletes it all, and leaves a live box alone', async () => {
    const live = await launchBox(clients, request('live'), { logger: silentLogger });
    const dead = await launchBox(clients, request('dead'), { logger: silentLogger });
    // Terminate Box ends the instance only: its template, key pair and group are what a sweep is for.
    await terminateBox(clients, { instanceId: dead.instanceId, region: REGION });

    // Strays: tagged by Spotbox with a session no box ever had.
    const straySession = randomUUID();
    const strayName = `spotbox-stray-${straySession.slice(0, 8)}`;
    const strayTags = (ResourceType: TagSpecification['ResourceType']): TagSpecification[] => [
      { ResourceType, Tags: [{ Key: 'spotbox:managed', Value: 'true' }, { Key: 'spotbox:box', Value: 'stray' }, { Key: 'spotbox:session', Value: straySession }] },
    ];
    const strayGroup = await ec2.send(new CreateSecurityGroupCommand({ GroupName: strayName, Description: 'stray', TagSpecifications: strayTags('security-group') }));
    await ec2.send(new CreateKeyPairCommand({ KeyName: strayName, KeyType: 'ed25519', TagSpecifications: strayTags('key-pair') }));
    const strayTemplate = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: strayName, LaunchTemplateData: { ImageId: imageId }, TagSpecifications: strayTags('launch-template') }));

    // A launch that found no capacity, whose rollback lost the network before the group and key pair.
    const interrupted = new Ec2ClientPool();
    const interruptedEc2 = await interrupted.client(REGION);
    interruptedEc2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteSecurityGroupCommand' || context.commandName === 'DeleteKeyPairCommand') {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'dropTheNetworkDuringRollback' },
    );
    for (const { instanceType } of pools) sandbox!.ec2.failCapacity({ region: REGION, instanceType, count: 0 });
    try {
      await assert.rejects(launchBox(interrupted, request('halfway'), { logger: silentLogger }), /Rolling back also failed for: security group sg-[0-9a-f]+, key pair spotbox-halfway-/);
    } finally {
      sandbox!.ec2.clearFaults();
      interrupted.dispose();
    }
    const halfway = [{ Name: 'tag:spotbox:box', Values: ['halfway'] }];
    const leftByRollback = [
      ...((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: halfway }))).SecurityGroups ?? []).map((group) => `security-group ${group.GroupId}`),
      ...((await ec2.send(new DescribeKeyPairsCommand({ Filters: halfway }))).KeyPairs ?? []).map((key) => `key-pair ${key.KeyName}`),
      ...((await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: halfway }))).LaunchTemplates ?? []).map((template) => `launch-template ${template.LaunchTemplateId}`),
    ];
    assert.deepEqual(leftByRollback.map((resource) => resource.split(' ')[0]), ['security-group', 'key-pair'], 'the rollback removed the template only');

    // Everything was made a moment ago: with the default grace period a launch might be under way.
    const cautious = await findOrphans(cloud, { regions: [REGION] });
    assert.deepEqual(cautious.orphans, []);
    assert.equal(cautious.recent.length, 8);

    const scan = await findOrphans(cloud, { regions: [REGION], graceMs: 0 });
    const expected = [
      ...resourcesOf(dead, false),
      `security-group ${strayGroup.GroupId}`,
      `key-pair ${strayName}`,
      `launch-template ${strayTemplate.LaunchTemplate?.LaunchTemplateId}`,
      ...leftByRollback,
    ].sort();
    assert.deepEqual(scan.orphans.map((orphan) => `${orphan.kind} ${orphan.id}`).sort(), expected);
    assert.deepEqual(scan.problems, []);
    assert.ok(fs.existsSync(dead.privateKeyPath));

    const progress: string[] = [];
    const result = await deleteOrphans(cloud, scan.orphans, { keyDirectory, logger: silentLogger, pollIntervalMs: 300, onProgress: (step) => progress.push(step.message) });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.skipped, []);
    assert.equal(result.deleted.length, expected.length);
    assert.deepEqual(await spotboxResources(), resourcesOf(live, true), "only the live box's resources remain");
    assert.equal(fs.existsSync(dead.privateKeyPath), false, "the dead box's private key went with its key pair");
    assert.ok(fs.existsSync(live.privateKeyPath), "the live box's private key is kept");
    assert.equal((await waitForState(ec2, [live.instanceId], 'running')).length, 1);
    assert.ok(progress.some((message) => message.startsWith('Deleting security group')));

    // Once the live box is terminated too, a sweep leaves no Spotbox resource at all.
    await terminateBox(clients, live);
    const last = await findOrphans(cloud, { regions: [REGION], graceMs: 0 });
    assert.deepEqual(last.orphans.map((orphan) => `${orphan.kind} ${orphan.id}`).sort(), resourcesOf(live, false));
    const final = await deleteOrphans(cloud, last.orphans, { keyDirectory, logger: silentLogger, pollIntervalMs: 300 });
    assert.deepEqual(final.failed, []);
    await waitForState(ec2, [live.instanceId], 'terminated');
    assert.deepEqual(await spotboxResources(), []);
    assert.deepEqual(fs.readdirSync(keyDirectory), [], 'no private key file is left behind');
    const clean = await findOrphans(cloud, { regions: [REGION], graceMs: 0 });
    assert.deepEqual([...clean.orphans, ...clean.recent], []);
  });
});
