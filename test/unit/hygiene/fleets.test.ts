import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyOrphans, DEFAULT_GRACE_MS, type Classified } from '../../../src/core/hygiene/classifyOrphans';
import { deleteOrphans } from '../../../src/core/hygiene/deleteOrphans';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { countByKind, describeOrphan, pickLabel } from '../../../src/core/hygiene/orphanLabels';
import type { Orphan, TaggedResource } from '../../../src/core/hygiene/orphanTypes';
import { releaseSessionResources } from '../../../src/core/hygiene/releaseSessionResources';
import { sweepSections } from '../../../src/core/hygiene/sweepChoices';
import { silentLogger } from '../../../src/core/logging/logger';
import { ec2Error, FakeHygieneCloud, HOUR, launchFleet, launchResources, NOW, OTHER_OWNER, OWNER } from './fakeHygieneCloud';

const REGION = 'us-east-1';
const classify = (resources: TaggedResource[], endedFleetIds?: string[], graceMs = DEFAULT_GRACE_MS): Classified =>
  classifyOrphans(resources, { now: NOW, graceMs, ownerId: OWNER, ...(endedFleetIds ? { endedFleetIds } : {}) });
const ids = (orphans: readonly Orphan[]): string[] => orphans.map((orphan) => `${orphan.kind} ${orphan.id}`);
/** One launch kept by a maintain fleet: its instance (tagged by EC2 with the fleet) in `state`, or none between a reclaim and the replacement. */
const fleetLaunch = (session: string, state: string | undefined, facts: Parameters<typeof launchFleet>[2] = {}, owner = OWNER): TaggedResource[] => {
  const fleet = launchFleet(REGION, session, facts, NOW - HOUR, owner);
  const resources = launchResources(REGION, session, state, NOW - HOUR, owner).map((resource) =>
    resource.kind === 'instance' ? { ...resource, tags: { ...resource.tags, 'aws:ec2:fleet-id': fleet.id } } : resource,
  );
  return [fleet, ...resources];
};

describe('EC2 Fleets of type maintain in the sweep (src/core/hygiene)', () => {
  it('a live fleet between a reclaim and its replacement keeps its template, key pair and group, however long it takes', () => {
    for (const facts of [{}, { activityStatus: 'pending_fulfillment' }, { activityStatus: 'error', errorCodes: ['InsufficientInstanceCapacity', 'SpotMaxPriceTooLow'] }, { state: 'modifying' }, { state: 'submitted' }]) {
      const { orphans, recent } = classify(fleetLaunch('aaaaaaaa-1', undefined, facts), undefined, 0);
      assert.deepEqual([...orphans, ...recent], [], JSON.stringify(facts));
    }
  });

  it('leaves a fleet and its running box alone, even when the fleet could no longer replace it', () => {
    for (const facts of [{}, { launchTemplateExists: false }]) {
      assert.deepEqual(ids(classify(fleetLaunch('bbbbbbbb-2', 'running', facts)).orphans), [], 'deleting the fleet would terminate a running box');
    }
    assert.deepEqual(ids(classify(fleetLaunch('bbbbbbbb-2', 'running'), ['fleet-bbbbbbbb']).orphans), [], 'an ended lineage whose box still runs: Terminate Box again, not the sweep');
  });

  it('a fleet whose launch template is gone is an orphan with its key pair and group, the fleet first', () => {
    const resources = fleetLaunch('cccccccc-3', undefined, { launchTemplateExists: false, activityStatus: 'error', errorCodes: ['InvalidLaunchTemplateId.NotFound'] }).filter((resource) => resource.kind !== 'launch-template');
    const { orphans } = classify(resources);
    assert.deepEqual(ids(orphans), ['fleet fleet-cccccccc', 'key-pair spotbox-llama-cccccccc', 'security-group sg-cccccccc']);
    assert.equal(orphans[0].reason, 'its launch template is gone, so it cannot launch anything');
    assert.equal(orphans[0].boxName, 'llama');
  });

  it('a fleet that reports only NotFound errors cannot launch anything: an orphan, with its template', () => {
    const { orphans } = classify(fleetLaunch('dddddddd-4', undefined, { activityStatus: 'error', errorCodes: ['InvalidAMIID.NotFound'] }));
    assert.deepEqual(ids(orphans), ['fleet fleet-dddddddd', 'launch-template lt-dddddddd', 'key-pair spotbox-llama-dddddddd', 'security-group sg-dddddddd']);
    assert.match(orphans[0].reason, /InvalidAMIID\.NotFound/);
    // One capacity error among them: it may launch once capacity returns.
    assert.deepEqual(ids(classify(fleetLaunch('dddddddd-4', undefined, { activityStatus: 'error', errorCodes: ['InvalidAMIID.NotFound', 'InsufficientInstanceCapacity'] })).orphans), []);
  });

  it('a fleet of a lineage the editor ended is an orphan at once; one that launches nothing (failed, target 0) after the grace period', () => {
    const ended = classify(fleetLaunch('eeeeeeee-5', undefined).map((resource) => ({ ...resource, createdAt: NOW - 60_000 })), ['fleet-eeeeeeee']);
    assert.deepEqual(ids(ended.orphans), ['fleet fleet-eeeeeeee'], 'the user ended it: no grace for the fleet');
    assert.deepEqual(ids(ended.recent), ['launch-template lt-eeeeeeee', 'key-pair spotbox-llama-eeeeeeee', 'security-group sg-eeeeeeee']);
    for (const facts of [{ state: 'failed' }, { targetCapacity: 0 }]) {
      assert.deepEqual(ids(classify(fleetLaunch('ffffffff-6', undefined, facts)).orphans).slice(0, 2), ['fleet fleet-ffffffff', 'launch-template lt-ffffffff'], JSON.stringify(facts));
      const young = fleetLaunch('ffffffff-6', undefined, facts).map((resource) => ({ ...resource, createdAt: NOW - 60_000 }));
      assert.equal(classify(young).orphans.length, 0, 'a young one: a launch may be under way');
    }
  });

  it("another owner's orphan fleet is shown apart, never ticked, and never keeps this owner's resources", () => {
    const theirs = fleetLaunch('12121212-7', undefined, { launchTemplateExists: false }, OTHER_OWNER);
    const mine = launchResources(REGION, '12121212-7', undefined);
    const classified = classify([...theirs, ...mine]);
    assert.ok(ids(classified.otherOwners).includes('fleet fleet-12121212'));
    assert.deepEqual(ids(classified.orphans), ['launch-template lt-12121212', 'key-pair spotbox-llama-12121212', 'security-group sg-12121212']);
    const live = classify([launchFleet(REGION, '34343434-8', {}, NOW - HOUR, OTHER_OWNER), ...launchResources(REGION, '34343434-8', undefined)]);
    assert.equal(live.orphans.length, 3, "another owner's live fleet with a copied session tag keeps nothing of mine");
    const fleetChoice = sweepSections({ orphans: classified.orphans, otherOwners: classified.otherOwners }).flatMap((section) => section.choices).find((choice) => choice.orphan.kind === 'fleet');
    assert.equal(fleetChoice?.picked, false);
  });

  it('says what a fleet is in the pick list and the confirmation', () => {
    const fleet = { kind: 'fleet' as const, id: 'fleet-0abc', boxName: 'llama' };
    assert.equal(pickLabel(fleet), 'EC2 Fleet fleet-0abc (maintain, box llama)');
    assert.equal(describeOrphan(fleet), 'EC2 Fleet fleet-0abc (maintain, box llama)');
    assert.equal(pickLabel({ kind: 'key-pair', id: 'spotbox-a' }), 'key pair spotbox-a');
    assert.equal(countByKind([fleet, fleet, { kind: 'instance' }]), '2 EC2 Fleets, 1 instance');
  });
});

describe('deleting fleets (deleteOrphans, releaseSessionResources)', () => {
  let keyDirectory: string;
  beforeEach(() => {
    keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-fleet-unit-'));
  });
  afterEach(() => fs.rmSync(keyDirectory, { recursive: true, force: true }));

  it('deletes fleets first, then instances, templates, key pairs and groups', async () => {
    const stopped = launchResources(REGION, '56565656-9', 'stopped');
    const cloud = new FakeHygieneCloud([...fleetLaunch('78787878-a', undefined, { targetCapacity: 0 }), ...stopped]);
    const scan = await findOrphans(cloud, { regions: [REGION], now: NOW, ownerId: OWNER, endedFleetIds: [] });
    assert.equal(scan.orphans[0].kind, 'fleet');
    const result = await deleteOrphans(cloud, scan.orphans, { keyDirectory, logger: silentLogger, pollIntervalMs: 1 });
    assert.equal(result.failed.length, 0);
    assert.deepEqual(cloud.resources, []);
    const deletions = cloud.calls.filter((call) => /^(delete|terminate)/.test(call)).map((call) => call.split(' ')[0] === 'terminate' ? 'instance' : call.split(' ')[1]);
    assert.deepEqual([...new Set(deletions)], ['fleet', 'instance', 'launch-template', 'key-pair', 'security-group']);
  });

  it('a fleet that cannot be deleted keeps its session\'s template, key pair and group; one already gone counts as deleted', async () => {
    const cloud = new FakeHygieneCloud([...fleetLaunch('9a9a9a9a-b', undefined, { state: 'failed' }), ...fleetLaunch('bcbcbcbc-c', undefined, { state: 'failed' })]);
    cloud.failDeleting.set('fleet-9a9a9a9a', ec2Error('UnauthorizedOperation', 'not allowed to ec2:DeleteFleets'));
    const { orphans } = await findOrphans(cloud, { regions: [REGION], now: NOW, ownerId: OWNER });
    cloud.resources = cloud.resources.filter((resource) => resource.id !== 'fleet-bcbcbcbc');
    const result = await deleteOrphans(cloud, orphans, { keyDirectory, logger: silentLogger, pollIntervalMs: 1 });
    assert.deepEqual(ids(result.failed.map((failure) => failure.orphan)), ['fleet fleet-9a9a9a9a']);
    assert.deepEqual(ids(result.skipped.map((skip) => skip.orphan)), ['launch-template lt-9a9a9a9a', 'key-pair spotbox-llama-9a9a9a9a', 'security-group sg-9a9a9a9a']);
    assert.ok(result.skipped.every((skip) => /EC2 Fleet could not be deleted/.test(skip.reason)));
    assert.ok(ids(result.deleted).includes('fleet fleet-bcbcbcbc'));
    assert.ok(ids(result.deleted).includes('launch-template lt-bcbcbcbc'));
  });

  it('the release after a termination leaves a session alone while its fleet still launches, and never deletes a fleet itself', async () => {
    const cloud = new FakeHygieneCloud(fleetLaunch('dededede-d', undefined));
    const result = await releaseSessionResources(cloud, { region: REGION, sessionId: 'dededede-d', ownerId: OWNER, keyDirectory, logger: silentLogger });
    assert.equal(result.deleted.length, 0);
    assert.equal(result.skipped.length, 3);
    assert.equal(cloud.resources.length, 4);
    // Once Terminate Box deleted the fleet, it is no longer listed: the rest goes.
    cloud.resources = cloud.resources.filter((resource) => resource.kind !== 'fleet');
    const after = await releaseSessionResources(cloud, { region: REGION, sessionId: 'dededede-d', ownerId: OWNER, keyDirectory, logger: silentLogger });
    assert.equal(after.deleted.length, 3);
    assert.deepEqual(cloud.resources, []);
  });
});
