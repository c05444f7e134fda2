import * as assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
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
import { releaseSessionResources } from '../../../src/core/hygiene/releaseSessionResources';
import { sweepSections } from '../../../src/core/hygiene/sweepChoices';
import { startTestSandbox, stopTestSandbox, tempDir, TEST_OWNER_ID, waitForState } from '../e2e/sandboxHarness';

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

  const request = (boxName: string, owner = TEST_OWNER_ID): LaunchRequest => ({
    boxName,
    region: REGION,
    pools,
    imageId,
    maxPricePerHour: 2,
    allocationStrategy: 'lowest-price',
    onDemandFallback: false,
    volumeGb: 100,
    sshCidr: '127.0.0.1/32',
    owner,
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

    // Strays: tagged by this Spotbox with a session no box ever had.
    const straySession = randomUUID();
    const strayName = `spotbox-stray-${straySession.slice(0, 8)}`;
    const strayTags = (ResourceType: TagSpecification['ResourceType']): TagSpecification[] => [
      { ResourceType, Tags: [{ Key: 'spotbox:managed', Value: 'true' }, { Key: 'spotbox:owner', Value: TEST_OWNER_ID }, { Key: 'spotbox:box', Value: 'stray' }, { Key: 'spotbox:session', Value: straySession }] },
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
    const cautious = await findOrphans(cloud, { regions: [REGION], ownerId: TEST_OWNER_ID });
    assert.deepEqual(cautious.orphans, []);
    assert.equal(cautious.recent.length, 8);

    const scan = await findOrphans(cloud, { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
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
    const last = await findOrphans(cloud, { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.deepEqual(last.orphans.map((orphan) => `${orphan.kind} ${orphan.id}`).sort(), resourcesOf(live, false));
    const final = await deleteOrphans(cloud, last.orphans, { keyDirectory, logger: silentLogger, pollIntervalMs: 300 });
    assert.deepEqual(final.failed, []);
    await waitForState(ec2, [live.instanceId], 'terminated');
    assert.deepEqual(await spotboxResources(), []);
    assert.deepEqual(fs.readdirSync(keyDirectory), [], 'no private key file is left behind');
    const clean = await findOrphans(cloud, { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.deepEqual([...clean.orphans, ...clean.recent], []);
  });

  it("two installations in one account: the sweep of one never ticks the other's, the release of one never deletes the other's", async () => {
    const colleague = '0b0b000000000002';
    const colleagueKeys = path.join(directory, 'colleague-keys');
    const launchAs = (boxName: string, owner: string): Promise<LaunchedBox> => launchBox(clients, { ...request(boxName, owner), keyDirectory: owner === colleague ? colleagueKeys : keyDirectory }, { logger: silentLogger });
    const [mineLive, mineDead, theirsLive, theirsDead] = await Promise.all([launchAs('mine-live', TEST_OWNER_ID), launchAs('mine-dead', TEST_OWNER_ID), launchAs('theirs-live', colleague), launchAs('theirs-dead', colleague)]);
    await terminateBox(clients, { instanceId: mineDead.instanceId, region: REGION });
    await terminateBox(clients, { instanceId: theirsDead.instanceId, region: REGION });
    // What an older Spotbox left (owner = OS user name), and a lookalike with Spotbox's tag keys but no spotbox:managed.
    const tagged = (ResourceType: TagSpecification['ResourceType'], tags: Record<string, string>): TagSpecification[] => [{ ResourceType, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }];
    const legacyName = `spotbox-legacy-${randomUUID().slice(0, 8)}`;
    await ec2.send(new CreateKeyPairCommand({ KeyName: legacyName, KeyType: 'ed25519', TagSpecifications: tagged('key-pair', { 'spotbox:managed': 'true', 'spotbox:owner': 'alice', 'spotbox:box': 'legacy', 'spotbox:session': randomUUID() }) }));
    const lookalikeName = `not-spotbox-${randomUUID().slice(0, 8)}`;
    const lookalike = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: lookalikeName, Description: 'someone else', TagSpecifications: tagged('security-group', { 'spotbox:box': 'x', 'spotbox:session': randomUUID(), 'spotbox:owner': TEST_OWNER_ID }) }),
    );

    const scan = await findOrphans(cloud, { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    const ids = (orphans: readonly { kind: string; id: string }[]): string[] => orphans.map((orphan) => `${orphan.kind} ${orphan.id}`).sort();
    assert.deepEqual(ids(scan.orphans), resourcesOf(mineDead, false), "this installation's leftovers, and nothing of the colleague's");
    assert.deepEqual(ids(scan.otherOwners), [...resourcesOf(theirsDead, false), `key-pair ${legacyName}`].sort(), "the colleague's and the older Spotbox's leftovers, apart; their live box not at all");
    assert.ok(![...scan.orphans, ...scan.recent, ...scan.otherOwners].some((orphan) => orphan.id === lookalike.GroupId), 'no spotbox:managed tag: never listed');

    // Accepting the pick as it opens deletes only this installation's leftovers.
    const ticked = sweepSections(scan, { osUserName: 'alice' }).flatMap((section) => section.choices.filter((choice) => choice.picked).map((choice) => choice.orphan));
    assert.deepEqual(ids(ticked), resourcesOf(mineDead, false));
    const swept = await deleteOrphans(cloud, ticked, { keyDirectory, logger: silentLogger, pollIntervalMs: 300 });
    assert.deepEqual(swept.failed, []);

    // Release as this installation, named by the colleague's session (the tag is all it has): nothing of theirs goes.
    const wrongRelease = await releaseSessionResources(cloud, { region: REGION, sessionId: theirsLive.sessionId, ownerId: TEST_OWNER_ID, keyDirectory, logger: silentLogger });
    assert.deepEqual(wrongRelease.deleted, []);
    assert.equal((await waitForState(ec2, [theirsLive.instanceId], 'running')).length, 1, "the colleague's box still runs");
    const left = await spotboxResources();
    for (const resource of [...resourcesOf(theirsLive, true), ...resourcesOf(theirsDead, false), ...resourcesOf(mineLive, true), `key-pair ${legacyName}`]) {
      assert.ok(left.includes(resource), `${resource} is still there`);
    }
    assert.ok(fs.existsSync(theirsLive.privateKeyPath) && fs.existsSync(theirsDead.privateKeyPath), "the colleague's key files are kept");

    // Each installation releases its own box; the colleague sweeps its own leftovers; the rest is cleared by hand.
    await terminateBox(clients, mineLive);
    await terminateBox(clients, theirsLive);
    const mine = await releaseSessionResources(cloud, { region: REGION, sessionId: mineLive.sessionId, ownerId: TEST_OWNER_ID, keyDirectory, logger: silentLogger });
    // The instance may be gone already (then nothing is left to terminate): what matters is the rest.
    assert.deepEqual(ids(mine.deleted.filter((orphan) => orphan.kind !== 'instance')), resourcesOf(mineLive, false));
    const theirs = await releaseSessionResources(cloud, { region: REGION, sessionId: theirsLive.sessionId, ownerId: colleague, keyDirectory: colleagueKeys, logger: silentLogger });
    assert.deepEqual(ids(theirs.deleted.filter((orphan) => orphan.kind !== 'instance')), resourcesOf(theirsLive, false));
    const theirScan = await findOrphans(cloud, { regions: [REGION], ownerId: colleague, graceMs: 0 });
    assert.deepEqual(ids(theirScan.orphans), resourcesOf(theirsDead, false));
    assert.deepEqual(ids(theirScan.otherOwners), [`key-pair ${legacyName}`]);
    assert.deepEqual((await deleteOrphans(cloud, [...theirScan.orphans, ...theirScan.otherOwners], { keyDirectory: colleagueKeys, logger: silentLogger, pollIntervalMs: 300 })).failed, []);
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: lookalike.GroupId }));
    assert.deepEqual(await spotboxResources(), []);
  });
});
