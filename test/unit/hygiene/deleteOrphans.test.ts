import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deleteOrphans, type DeleteOrphansOptions } from '../../../src/core/hygiene/deleteOrphans';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { sweepSummary } from '../../../src/core/hygiene/orphanLabels';
import type { Orphan, SweepProgress } from '../../../src/core/hygiene/orphanTypes';
import { silentLogger } from '../../../src/core/logging/logger';
import { ec2Error, FakeHygieneCloud, HOUR, launchResources, launchTags, NOW, OWNER } from './fakeHygieneCloud';

describe('findOrphans + deleteOrphans (the sweep, against a fake cloud)', () => {
  let keyDirectory: string;
  const options = (overrides: Partial<DeleteOrphansOptions> = {}): DeleteOrphansOptions => ({ keyDirectory, logger: silentLogger, pollIntervalMs: 1, ...overrides });
  const kinds = (cloud: FakeHygieneCloud): string[] => cloud.resources.map((resource) => `${resource.kind} ${resource.id}`).sort();

  beforeEach(() => {
    keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-sweep-unit-'));
  });
  afterEach(() => fs.rmSync(keyDirectory, { recursive: true, force: true }));

  it('reads every region at once and reports one that fails without hiding the others', async () => {
    const cloud = new FakeHygieneCloud([...launchResources('us-east-1', 'aaaaaaaa-1', undefined), ...launchResources('eu-west-1', 'bbbbbbbb-2', undefined)]);
    cloud.failListing.add('eu-west-1');
    const scan = await findOrphans(cloud, { regions: ['us-east-1', 'eu-west-1'], now: NOW, ownerId: OWNER });
    assert.deepEqual(scan.orphans.map((orphan) => orphan.region), ['us-east-1', 'us-east-1', 'us-east-1']);
    assert.equal(scan.problems.length, 1);
    assert.match(scan.problems[0], /^eu-west-1: AWS refused the credentials for Listing Spotbox resources in eu-west-1 \(AuthFailure\)/);
    cloud.failListing.add('us-east-1');
    await assert.rejects(findOrphans(cloud, { regions: ['us-east-1', 'eu-west-1'], now: NOW, ownerId: OWNER }), /AWS refused the credentials/);
  });

  it('deletes in dependency order, waits for instances to be gone, and removes the key file', async () => {
    const cloud = new FakeHygieneCloud([...launchResources('us-east-1', 'cccccccc-3', 'stopped'), ...launchResources('us-east-1', '11111111-4', 'running')]);
    const keyFile = path.join(keyDirectory, 'spotbox-llama-cccccccc.pem');
    const liveKeyFile = path.join(keyDirectory, 'spotbox-llama-11111111.pem');
    fs.writeFileSync(keyFile, 'secret', { mode: 0o600 });
    fs.writeFileSync(liveKeyFile, 'secret', { mode: 0o600 });
    const { orphans } = await findOrphans(cloud, { regions: ['us-east-1'], now: NOW, ownerId: OWNER });
    assert.equal(orphans.length, 4);
    const progress: SweepProgress[] = [];
    const result = await deleteOrphans(cloud, orphans, options({ onProgress: (step) => progress.push(step) }));

    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.skipped, []);
    assert.equal(result.deleted.length, 4);
    assert.deepEqual(kinds(cloud), ['instance i-11111111', 'key-pair spotbox-llama-11111111', 'launch-template lt-11111111', 'security-group sg-11111111'], 'the live box is untouched');
    const deletions = cloud.calls.filter((call) => /^(terminate|delete|poll)/.test(call));
    assert.deepEqual(deletions, [
      'terminate us-east-1 i-cccccccc',
      'poll us-east-1',
      'poll us-east-1',
      'poll us-east-1',
      'delete launch-template us-east-1 lt-cccccccc',
      'delete key-pair us-east-1 spotbox-llama-cccccccc',
      'delete security-group us-east-1 sg-cccccccc',
    ]);
    assert.equal(fs.existsSync(keyFile), false, 'the private key went with its key pair');
    assert.equal(fs.existsSync(liveKeyFile), true);
    assert.deepEqual(progress.at(-1), { message: 'Deleting security group sg-cccccccc (spotbox-llama-cccccccc) in us-east-1', done: 3, total: 4 });
    assert.equal(sweepSummary(result), 'Swept 1 instance, 1 launch template, 1 key pair, 1 security group.');
  });

  it('retries deleting a group while a terminating instance still uses it', async () => {
    const cloud = new FakeHygieneCloud(launchResources('us-west-2', 'dddddddd-5', 'shutting-down'));
    const { orphans } = await findOrphans(cloud, { regions: ['us-west-2'], now: NOW, ownerId: OWNER });
    const result = await deleteOrphans(cloud, orphans, options());
    assert.deepEqual(result.failed, []);
    assert.equal(cloud.calls.filter((call) => call.endsWith('(in use)')).length, 3, 'refused while the instance lingered, then deleted');
    assert.deepEqual(kinds(cloud), []);
  });

  it('collects per-resource failures and goes on; a resource already gone counts as deleted', async () => {
    const cloud = new FakeHygieneCloud(launchResources('us-east-1', 'eeeeeeee-6', undefined));
    cloud.failDeleting.set('lt-eeeeeeee', ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const { orphans } = await findOrphans(cloud, { regions: ['us-east-1'], now: NOW, ownerId: OWNER });
    const group = orphans.find((orphan) => orphan.kind === 'security-group')!;
    cloud.resources = cloud.resources.filter((resource) => resource.id !== group.id);
    const result = await deleteOrphans(cloud, orphans, options());
    assert.deepEqual(result.deleted.map((orphan) => orphan.kind), ['key-pair', 'security-group']);
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0].message, /^Deleting launch template lt-eeeeeeee \(spotbox-llama-eeeeeeee\) in us-east-1 is not allowed \(UnauthorizedOperation\)/);
    assert.match(sweepSummary(result), /^Swept 1 key pair, 1 security group\. 1 could not be deleted: Deleting launch template/);
  });

  it("keeps a stopped box's key, group and template when the box itself is unticked", async () => {
    const cloud = new FakeHygieneCloud(launchResources('us-east-1', 'ffffffff-7', 'stopped'));
    const { orphans } = await findOrphans(cloud, { regions: ['us-east-1'], now: NOW, ownerId: OWNER });
    const result = await deleteOrphans(cloud, orphans.filter((orphan) => orphan.kind !== 'instance'), options());
    assert.deepEqual(result.deleted, []);
    assert.deepEqual(result.skipped.map((skip) => skip.reason), Array(3).fill('kept with its stopped box i-ffffffff, which was not selected'));
    assert.equal(kinds(cloud).length, 4);
  });

  it('skips what depends on an instance that would not terminate, and reports the instance', async () => {
    const cloud = new FakeHygieneCloud([...launchResources('us-east-1', '12121212-8', 'stopped'), ...launchResources('us-east-1', '34343434-9', 'stopped')]);
    cloud.failDeleting.set('i-12121212', ec2Error('OperationNotPermitted', 'The instance has termination protection'));
    const { orphans } = await findOrphans(cloud, { regions: ['us-east-1'], now: NOW, ownerId: OWNER });
    const result = await deleteOrphans(cloud, orphans, options());
    assert.deepEqual(result.failed.map((failure) => failure.orphan.id), ['i-12121212']);
    assert.ok(result.deleted.some((orphan) => orphan.id === 'i-34343434'), 'the other instance still went');
    assert.equal(result.deleted.length, 4);
    assert.deepEqual(result.skipped.map((skip) => `${skip.orphan.id}: ${skip.reason}`).sort(), [
      'lt-12121212: its stopped box i-12121212 could not be terminated',
      'sg-12121212: its stopped box i-12121212 could not be terminated',
      'spotbox-llama-12121212: its stopped box i-12121212 could not be terminated',
    ]);
  });

  it('reports instances still shutting down at the deadline instead of waiting forever', async () => {
    const cloud = new FakeHygieneCloud(launchResources('us-east-1', '56565656-0', 'stopped'));
    cloud.shutdownPolls = 1_000_000;
    const { orphans } = await findOrphans(cloud, { regions: ['us-east-1'], now: NOW, ownerId: OWNER });
    const result = await deleteOrphans(cloud, orphans, options({ instanceTimeoutMs: 30 }));
    assert.match(result.failed[0]?.message ?? '', /^i-56565656 in us-east-1 was still shutting down after 0 s; run the sweep again later\.$/);
    assert.equal(result.skipped.length, 3);
  });

  it('stops before the next deletion when cancelled and says what was left', async () => {
    const cloud = new FakeHygieneCloud(launchResources('us-east-1', '78787878-1', undefined));
    const { orphans } = await findOrphans(cloud, { regions: ['us-east-1'], now: NOW, ownerId: OWNER });
    const controller = new AbortController();
    const result = await deleteOrphans(cloud, orphans, options({ signal: controller.signal, onProgress: () => controller.abort() }));
    assert.deepEqual(result.deleted.map((orphan: Orphan) => orphan.kind), ['launch-template']);
    assert.deepEqual(result.skipped.map((skip) => skip.reason), ['the sweep was cancelled', 'the sweep was cancelled']);
  });

  it('never deletes a key file outside the key folder, whatever the key pair is called', async () => {
    const outside = path.join(path.dirname(keyDirectory), `${path.basename(keyDirectory)}-victim.pem`);
    fs.writeFileSync(outside, 'keep me');
    try {
      const name = `../${path.basename(keyDirectory)}-victim`;
      const cloud = new FakeHygieneCloud([{ kind: 'key-pair', id: name, region: 'us-east-1', tags: launchTags('abababab-2'), createdAt: NOW - HOUR }]);
      const { orphans } = await findOrphans(cloud, { regions: ['us-east-1'], now: NOW, ownerId: OWNER });
      const result = await deleteOrphans(cloud, orphans, options());
      assert.equal(result.deleted.length, 1);
      assert.equal(fs.readFileSync(outside, 'utf8'), 'keep me');
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });
});
