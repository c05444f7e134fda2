import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CreateFleetCommand, DeleteFleetsCommand, DeleteLaunchTemplateCommand, DescribeFleetsCommand, DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { FleetNotOursError, terminateBox } from '../../../src/core/boxes/terminateBox';
import { deleteOrphans } from '../../../src/core/hygiene/deleteOrphans';
import { ec2HygieneCloud } from '../../../src/core/hygiene/ec2HygieneCloud';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import type { HygieneCloud } from '../../../src/core/hygiene/orphanTypes';
import { releaseSessionResources } from '../../../src/core/hygiene/releaseSessionResources';
import type { LaunchedBox } from '../../../src/core/launch/launchTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, launchTestBox, startTestSandbox, stopTestSandbox, tempDir, TEST_OWNER_ID, waitForState } from '../e2e/sandboxHarness';

const REGION = 'us-west-2';
const POOLS = ['g4dn.xlarge', 'g5.xlarge'];
const run = promisify(execFile);

describe('EC2 Fleets of type maintain: Terminate Box and the sweep delete them (src/core) against the sandbox cloud', function () {
  this.timeout(240_000);
  let directory: string;
  let keyDirectory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let cloud: HygieneCloud;

  /** A Spotbox launch whose box is then kept by a maintain fleet tagged like the launch (owner `owner`), as the launcher of issue 12 makes it. */
  const launchWithFleet = async (boxName: string, owner = TEST_OWNER_ID): Promise<{ launched: LaunchedBox; fleetId: string; instance: Instance }> => {
    const launched = await launchTestBox(clients, { boxName, region: REGION, keyDirectory });
    // The launch's own (instant fleet) box is not the one under test.
    await terminateBox(clients, launched, TEST_OWNER_ID);
    const tags = [
      { Key: 'spotbox:box', Value: boxName },
      { Key: 'spotbox:owner', Value: owner },
      { Key: 'spotbox:session', Value: launched.sessionId },
      { Key: 'spotbox:managed', Value: 'true' },
    ];
    const { FleetId: fleetId } = await ec2.send(new CreateFleetCommand({
      Type: 'maintain',
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: launched.launchTemplateId, Version: '$Latest' }, Overrides: POOLS.map((InstanceType) => ({ InstanceType: InstanceType as 'g5.xlarge' })) }],
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized' },
      TagSpecifications: [{ ResourceType: 'fleet', Tags: tags }],
    }));
    assert.ok(fleetId);
    return { launched, fleetId, instance: await liveInstanceOf(fleetId, []) };
  };

  /** The fleet's one running instance, not one of `not`. */
  const liveInstanceOf = (fleetId: string, not: string[]): Promise<Instance> =>
    eventually(`a running instance of ${fleetId}`, async () => {
      const live = await instancesOf(fleetId, ['pending', 'running']);
      return live.length === 1 && live[0].State?.Name === 'running' && !not.includes(live[0].InstanceId!) ? live[0] : undefined;
    }, 60_000, 300);

  const instancesOf = async (fleetId: string, states: string[]): Promise<Instance[]> =>
    ((await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:aws:ec2:fleet-id', Values: [fleetId] }, { Name: 'instance-state-name', Values: states }] }))).Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);

  /** A second client: the AWS CLI, through the sandbox's profile, with the endpoint spelt out (older CLIs ignore endpoint_url in config). */
  const cliFleetState = async (fleetId: string): Promise<string> => {
    const { stdout } = await run('aws', ['ec2', 'describe-fleets', '--fleet-ids', fleetId, '--endpoint-url', sandbox!.endpoints.ec2, '--region', REGION, '--output', 'json'], { env: { ...process.env, AWS_PAGER: '' }, timeout: 60_000 });
    const fleets = (JSON.parse(stdout) as { Fleets?: Array<{ FleetId?: string; FleetState?: string }> }).Fleets ?? [];
    assert.equal(fleets.length, 1);
    return fleets[0].FleetState ?? '';
  };

  const noCapacity = (): void => {
    for (const instanceType of POOLS) sandbox!.ec2.failCapacity({ region: REGION, instanceType, count: 0 });
  };

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  before(async function () {
    const which = await run('sh', ['-c', 'command -v aws']).catch(() => undefined);
    if (!which) {
      console.log('    (skipped: aws is not on PATH)');
      this.skip();
    }
    directory = tempDir('spotbox-fleets-');
    keyDirectory = path.join(directory, 'keys');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    cloud = ec2HygieneCloud(clients);
  });

  afterEach(() => sandbox?.ec2.clearFaults());

  after(async () => {
    clients?.dispose();
    ec2?.destroy();
    await stopTestSandbox(sandbox, directory);
  });

  it("Terminate Box deletes the box's own fleet with it: nothing relaunches, and the release removes the rest; another's fleet is refused", async () => {
    const { launched, fleetId, instance } = await launchWithFleet('kept');
    const box = { instanceId: instance.InstanceId!, region: REGION };
    assert.deepEqual(await terminateBox(clients, box, TEST_OWNER_ID), { kind: 'fleet', fleetId });
    const released = await releaseSessionResources(cloud, { region: REGION, sessionId: launched.sessionId, ownerId: TEST_OWNER_ID, keyDirectory, logger: silentLogger });
    assert.deepEqual(released.failed, []);
    assert.deepEqual(released.deleted.map((orphan) => orphan.kind).sort(), ['instance', 'key-pair', 'launch-template', 'security-group']);
    await waitForState(ec2, [box.instanceId], 'terminated', 30_000);
    // Longer than the sandbox fleet's replacement delay (1 s) and a retry (5 s) after a launch failure.
    await sleep(6_000);
    assert.deepEqual(await instancesOf(fleetId, ['pending', 'running', 'shutting-down', 'stopping', 'stopped']), [], 'nothing relaunched');
    assert.match(await cliFleetState(fleetId), /^deleted/);

    // A fleet with this launch's tags but another installation's owner: refused, nothing touched.
    const theirs = await launchWithFleet('theirs', '0ther00000000002');
    const theirBox = { instanceId: theirs.instance.InstanceId!, region: REGION };
    await assert.rejects(terminateBox(clients, theirBox, TEST_OWNER_ID), (error: unknown) => error instanceof FleetNotOursError && error.fleetId === theirs.fleetId);
    assert.equal(await cliFleetState(theirs.fleetId), 'active');
    assert.equal((await instancesOf(theirs.fleetId, ['running'])).map((i) => i.InstanceId).join(), theirBox.instanceId);
    await ec2.send(new DeleteFleetsCommand({ FleetIds: [theirs.fleetId], TerminateInstances: true }));
    await waitForState(ec2, [theirBox.instanceId], 'terminated', 30_000);
    await releaseSessionResources(cloud, { region: REGION, sessionId: theirs.launched.sessionId, ownerId: TEST_OWNER_ID, keyDirectory, logger: silentLogger });
  });

  it('a live fleet between a reclaim and its replacement keeps its template, key pair and group out of the sweep; Terminate Box then ends it', async () => {
    const { launched, fleetId, instance } = await launchWithFleet('between');
    noCapacity();
    sandbox!.ec2.hardTerminate(instance.InstanceId!);
    await waitForState(ec2, [instance.InstanceId!], 'terminated', 30_000);
    const waiting = await eventually('the fleet reporting its failed replacement', async () => {
      const fleet = (await ec2.send(new DescribeFleetsCommand({ FleetIds: [fleetId] }))).Fleets?.[0];
      return fleet?.ActivityStatus === 'error' ? fleet : undefined;
    }, 30_000, 300);
    assert.ok((waiting.Errors ?? []).length > 0);
    assert.deepEqual(await instancesOf(fleetId, ['pending', 'running']), [], 'no instance: between the reclaim and the replacement');

    const scan = await findOrphans(cloud, { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    const ofSession = [...scan.orphans, ...scan.recent].filter((orphan) => orphan.sessionId === launched.sessionId);
    assert.deepEqual(ofSession, [], 'neither the fleet nor what it launches from is an orphan');

    sandbox!.ec2.clearFaults();
    const replacement = await liveInstanceOf(fleetId, [instance.InstanceId!]);
    assert.deepEqual(await terminateBox(clients, { instanceId: replacement.InstanceId!, region: REGION }, TEST_OWNER_ID), { kind: 'fleet', fleetId });
    await releaseSessionResources(cloud, { region: REGION, sessionId: launched.sessionId, ownerId: TEST_OWNER_ID, keyDirectory, logger: silentLogger });
    await sleep(3_000);
    assert.deepEqual(await instancesOf(fleetId, ['pending', 'running']), []);
  });

  it('the sweep finds a fleet whose launch template is gone, deletes it first with the rest of its launch, and nothing relaunches', async () => {
    const { launched, fleetId, instance } = await launchWithFleet('broken');
    noCapacity();
    sandbox!.ec2.hardTerminate(instance.InstanceId!);
    await waitForState(ec2, [instance.InstanceId!], 'terminated', 30_000);
    await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: launched.launchTemplateId }));
    sandbox!.ec2.clearFaults();

    const scan = await findOrphans(cloud, { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    const ofSession = scan.orphans.filter((orphan) => orphan.sessionId === launched.sessionId);
    assert.deepEqual(ofSession.map((orphan) => `${orphan.kind} ${orphan.id}`), [`fleet ${fleetId}`, `key-pair ${launched.keyPairName}`, `security-group ${launched.securityGroupId}`]);
    assert.equal(ofSession[0].reason, 'its launch template is gone, so it cannot launch anything');

    const result = await deleteOrphans(cloud, ofSession, { keyDirectory, logger: silentLogger, pollIntervalMs: 500 });
    assert.deepEqual(result.failed, []);
    assert.equal(result.deleted.length, 3);
    assert.match(await cliFleetState(fleetId), /^deleted/);
    await sleep(6_000);
    assert.deepEqual(await instancesOf(fleetId, ['pending', 'running']), [], 'nothing relaunched');
    const again = await findOrphans(cloud, { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.deepEqual(again.orphans.filter((orphan) => orphan.sessionId === launched.sessionId), []);
  });
});
