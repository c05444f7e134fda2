import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { isCancellation } from '../../../src/core/errors';
import { launchBox } from '../../../src/core/launch/launcher';
import { Ec2BoxSource } from '../../../src/core/boxes/ec2BoxSource';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import { Ec2SpotPrices } from '../../../src/core/aws/ec2SpotPrices';
import type { LaunchRequest } from '../../../src/core/launch/launchTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { sshExec } from '../e2e/sshExec';
import { consoleFingerprints, sandboxImageId, sshPortOf, startTestSandbox, stopTestSandbox, tempDir, testLaunchRequest, waitForState } from '../e2e/sandboxHarness';

const REGION = 'us-west-2';

describe('Launching a spot box (src/core/launch) against the sandbox cloud', function () {
  this.timeout(120_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let imageId: string;

  const request = (overrides: Partial<LaunchRequest> = {}): LaunchRequest =>
    testLaunchRequest({
      boxName: 'llama',
      region: REGION,
      imageId,
      volumeGb: 100,
      // The box's own disk ($HOME): sandbox boxes share the host's /tmp.
      userData: '#!/bin/sh\necho ready > "$HOME/spotbox-ready"\n',
      keyDirectory: path.join(directory, 'keys'),
      ...overrides,
    });

  /** Spotbox resources that exist in the region (live instances, groups, key pairs, templates). */
  const spotboxResources = async (): Promise<string[]> => {
    const instances = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag-key', Values: ['spotbox:session'] }] }))).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
    const keys = (await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? [];
    const templates = (await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
    return [
      ...instances.filter((i) => !['terminated', 'shutting-down'].includes(i.State?.Name ?? '')).map((i) => `instance ${i.InstanceId}`),
      ...groups.filter((g) => g.GroupName?.startsWith('spotbox-')).map((g) => `group ${g.GroupName}`),
      ...keys.filter((k) => k.KeyName?.startsWith('spotbox-')).map((k) => `key ${k.KeyName}`),
      ...templates.filter((t) => t.LaunchTemplateName?.startsWith('spotbox-')).map((t) => `template ${t.LaunchTemplateName}`),
    ];
  };

  before(async () => {
    directory = tempDir('spotbox-launch-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    imageId = await sandboxImageId(REGION);
  });

  after(async () => {
    clients?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  it('launches with secure defaults: SSH from the caller only, IMDSv2, a 0600 key, pinned host key', async () => {
    const box = await launchBox(clients, request(), { logger: silentLogger });
    assert.equal(box.lifecycle, 'spot');
    assert.equal((fs.statSync(box.privateKeyPath).mode & 0o777).toString(8), '600');
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [box.securityGroupId] }))).SecurityGroups?.[0];
    assert.deepEqual(
      group?.IpPermissions?.map((permission) => [permission.FromPort, permission.ToPort, permission.IpRanges?.map((range) => range.CidrIp)]),
      [[22, 22, ['127.0.0.1/32']]],
    );
    const [instance] = await waitForState(ec2, [box.instanceId], 'running');
    assert.equal(instance?.MetadataOptions?.HttpTokens, 'required');
    assert.equal(instance?.Tags?.find((tag) => tag.Key === 'spotbox:box')?.Value, 'llama');
    const pinnedFingerprints = await consoleFingerprints(ec2, box.instanceId);
    const { stdout } = await sshExec(
      { host: instance.PublicIpAddress!, port: sshPortOf(instance), privateKey: fs.readFileSync(box.privateKeyPath, 'utf8'), pinnedFingerprints },
      'curl -s -o /dev/null -w "%{http_code}" "$AWS_EC2_METADATA_SERVICE_ENDPOINT/latest/meta-data/instance-id"',
    );
    assert.equal(stdout.trim(), '401', 'IMDSv1 is refused on the box');

    // The tree's source finds it by its tags, priced from the live spot price; a region the
    // account cannot read is reported without hiding the others.
    const source = new Ec2BoxSource(clients, () => [REGION, 'me-south-1'], new Ec2SpotPrices());
    const listed = await source.listBoxes();
    assert.deepEqual(listed.map((b) => [b.instanceId, b.name, b.state, b.lifecycle]), [[box.instanceId, 'llama', 'running', 'spot']]);
    assert.ok((listed[0]?.hourlyPriceUsd ?? 0) > 0);
    assert.equal(source.lastProblems.length, 1);
    assert.match(source.lastProblems[0] ?? '', /^me-south-1: /);

    await terminateBox(clients, box);
    await waitForState(ec2, [box.instanceId], 'terminated');
    assert.deepEqual(await new Ec2BoxSource(clients, () => [REGION], new Ec2SpotPrices()).listBoxes(), []);
  });

  it('refuses a spot price above the guard before creating anything', async () => {
    const before = await spotboxResources();
    await assert.rejects(launchBox(clients, request({ maxPricePerHour: 0.001 }), { logger: silentLogger }), /above the \$0\.001\/h guard; nothing was created/);
    assert.deepEqual(await spotboxResources(), before);
  });

  it('takes another pool when the first has no capacity, and reports the one that failed', async () => {
    sandbox!.ec2.failCapacity({ region: REGION, instanceType: 'g4dn.xlarge', count: 0 });
    try {
      const box = await launchBox(clients, request({ allocationStrategy: 'lowest-price' }), { logger: silentLogger });
      assert.equal(box.instanceType, 'g5.xlarge');
      assert.ok(box.fleetErrors.some((error) => error.startsWith('g4dn.xlarge') && error.includes('InsufficientInstanceCapacity')), box.fleetErrors.join('; '));
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [box.instanceId] }));
    } finally {
      sandbox!.ec2.clearFaults();
    }
  });

  it('rolls back everything, key file included, when no pool has capacity', async () => {
    for (const instanceType of ['g4dn.xlarge', 'g5.xlarge']) {
      sandbox!.ec2.failCapacity({ region: REGION, instanceType, count: 0 });
    }
    try {
      const before = await spotboxResources();
      const keysBefore = fs.readdirSync(path.join(directory, 'keys'));
      await assert.rejects(launchBox(clients, request(), { logger: silentLogger }), /No capacity for llama/);
      assert.deepEqual(await spotboxResources(), before, 'rolled back');
      assert.deepEqual(fs.readdirSync(path.join(directory, 'keys')), keysBefore, 'the private key file is gone too');
    } finally {
      sandbox!.ec2.clearFaults();
    }
  });

  it('a launch cancelled midway leaves nothing behind', async () => {
    const before = await spotboxResources();
    const controller = new AbortController();
    const launching = launchBox(clients, request(), {
      logger: silentLogger,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.step === 'launch-template') {
          controller.abort();
        }
      },
    });
    await assert.rejects(launching, (error: unknown) => isCancellation(error));
    assert.deepEqual(await spotboxResources(), before);
  });

  for (const step of ['key-pair', 'security-group', 'launch-template', 'fleet'] as const) {
    it(`a cancel while the ${step} call is in flight still leaves nothing behind`, async () => {
      // EC2 may finish a create whose caller stopped listening; a launch must not lose track of it.
      const before = await spotboxResources();
      sandbox!.ec2.addLatency(600);
      try {
        const controller = new AbortController();
        const launching = launchBox(clients, request(), {
          logger: silentLogger,
          signal: controller.signal,
          onProgress: (progress) => (progress.step === step ? void setTimeout(() => controller.abort(), 200) : undefined),
        });
        await assert.rejects(launching, (error: unknown) => isCancellation(error));
      } finally {
        sandbox!.ec2.addLatency(0);
      }
      assert.deepEqual(await spotboxResources(), before);
    });
  }
});
