import * as assert from 'node:assert/strict';
import { classifyOrphans, DEFAULT_GRACE_MS, type Classified } from '../../../src/core/hygiene/classifyOrphans';
import type { Orphan, TaggedResource } from '../../../src/core/hygiene/orphanTypes';
import { HOUR, launchResources, launchTags, NOW, OTHER_OWNER, OWNER } from './fakeHygieneCloud';

const REGION = 'us-east-1';
const classify = (resources: TaggedResource[], graceMs = DEFAULT_GRACE_MS): Classified => classifyOrphans(resources, { now: NOW, graceMs, ownerId: OWNER });
const ids = (orphans: readonly Orphan[]): string[] => orphans.map((orphan) => `${orphan.kind} ${orphan.id}`);

describe('classifyOrphans (what no live box needs)', () => {
  it('leaves every resource of a pending, running or stopping box alone', () => {
    for (const state of ['pending', 'running', 'stopping']) {
      const { orphans, recent } = classify(launchResources(REGION, 'aaaaaaaa-1', state));
      assert.deepEqual([...orphans, ...recent], [], state);
    }
  });

  it('finds the template, key pair and group a terminated box left, in deletion order, with why and how old', () => {
    const { orphans, recent } = classify(launchResources(REGION, 'bbbbbbbb-2', undefined).reverse());
    assert.deepEqual(recent, []);
    assert.deepEqual(ids(orphans), ['launch-template lt-bbbbbbbb', 'key-pair spotbox-llama-bbbbbbbb', 'security-group sg-bbbbbbbb']);
    assert.ok(orphans.every((orphan) => orphan.reason === 'its box (session bbbbbbbb) no longer exists' && orphan.boxName === 'llama' && orphan.sessionId === 'bbbbbbbb-2'));
    const group = orphans.find((orphan) => orphan.kind === 'security-group');
    assert.equal(group?.createdAt, NOW - HOUR - 1000, 'a group takes the age of its session (the key pair, made first)');
  });

  it('offers a stopped box and its resources together, the resources depending on the instance', () => {
    const { orphans } = classify(launchResources(REGION, 'cccccccc-3', 'stopped'));
    assert.deepEqual(ids(orphans), ['instance i-cccccccc', 'launch-template lt-cccccccc', 'key-pair spotbox-llama-cccccccc', 'security-group sg-cccccccc']);
    assert.match(orphans[0].reason, /^stopped: /);
    assert.equal(orphans[0].dependsOnInstances, undefined);
    for (const orphan of orphans.slice(1)) {
      assert.deepEqual(orphan.dependsOnInstances, ['i-cccccccc']);
      assert.equal(orphan.reason, 'its box i-cccccccc is stopped');
    }
  });

  it('keeps the resources of a session that still has a live instance next to a stopped one', () => {
    const session = 'dddddddd-4';
    const resources = [...launchResources(REGION, session, 'stopped'), { kind: 'instance' as const, id: 'i-replacement', region: REGION, tags: launchTags(session), createdAt: NOW, state: 'running' }];
    assert.deepEqual(ids(classify(resources).orphans), ['instance i-dddddddd']);
  });

  it('does not list an instance that is shutting down, but does list what it leaves behind', () => {
    const { orphans } = classify(launchResources(REGION, 'eeeeeeee-5', 'shutting-down'));
    assert.deepEqual(ids(orphans), ['launch-template lt-eeeeeeee', 'key-pair spotbox-llama-eeeeeeee', 'security-group sg-eeeeeeee']);
    assert.ok(orphans.every((orphan) => orphan.reason === 'its box is being terminated'));
  });

  it('holds back resources younger than the grace period: a launch may be creating them right now', () => {
    // A launch in progress: key pair and group made 2 minutes ago, no template or instance yet.
    const inProgress = launchResources(REGION, 'ffffffff-6', undefined, NOW - 2 * 60_000).filter((resource) => resource.kind !== 'launch-template');
    const { orphans, recent } = classify(inProgress);
    assert.deepEqual(orphans, []);
    assert.deepEqual(ids(recent), ['key-pair spotbox-llama-ffffffff', 'security-group sg-ffffffff'], 'the group, which has no creation time, takes its session age');
    assert.deepEqual(ids(classify(inProgress, 0).orphans), ids(recent), 'no grace: listed');
  });

  it('treats a group left alone by an interrupted rollback (no siblings, no age) as an orphan', () => {
    const group = launchResources(REGION, '99999999-7', undefined).filter((resource) => resource.kind === 'security-group');
    const { orphans } = classify(group);
    assert.deepEqual(ids(orphans), ['security-group sg-99999999']);
    assert.equal(orphans[0].createdAt, undefined);
  });

  it('holds back a resource without a session tag like any other for the grace period, and one of unknown age for good', () => {
    const tags = { 'spotbox:managed': 'true', 'spotbox:owner': OWNER };
    const resources: TaggedResource[] = [
      { kind: 'key-pair', id: 'fresh', region: REGION, tags, createdAt: NOW - 60_000 },
      { kind: 'key-pair', id: 'old', region: REGION, tags, createdAt: NOW - HOUR },
      { kind: 'security-group', id: 'sg-ageless', region: REGION, tags },
      { kind: 'instance', id: 'i-sessionless', region: REGION, tags, createdAt: NOW - HOUR, state: 'running' },
    ];
    const { orphans, recent } = classify(resources);
    assert.deepEqual(ids(orphans), ['key-pair old'], 'past the grace period; a running instance is never listed');
    assert.match(orphans[0].reason, /without a spotbox:session tag/);
    assert.equal(orphans[0].dependsOnInstances, undefined);
    assert.deepEqual(ids(recent), ['key-pair fresh', 'security-group sg-ageless']);
    assert.deepEqual(ids(classify(resources, 0).orphans), ['key-pair fresh', 'key-pair old', 'security-group sg-ageless'], 'no grace: listed');
  });

  it("sets another owner's leftovers apart, never as this owner's orphans, and keeps quiet about their young ones", () => {
    const resources = [
      ...launchResources(REGION, '10101010-a', undefined, NOW - HOUR, OTHER_OWNER),
      ...launchResources(REGION, '20202020-b', undefined, NOW - 60_000, OTHER_OWNER),
      ...launchResources(REGION, '30303030-c', undefined, NOW - HOUR, 'alice'),
      ...launchResources(REGION, '40404040-d', undefined),
    ];
    const { orphans, recent, otherOwners } = classify(resources);
    assert.deepEqual(ids(orphans), ['launch-template lt-40404040', 'key-pair spotbox-llama-40404040', 'security-group sg-40404040']);
    assert.deepEqual(recent, []);
    assert.deepEqual(
      otherOwners.map((orphan) => `${orphan.kind} ${orphan.id} ${orphan.owner}`),
      [
        `launch-template lt-10101010 ${OTHER_OWNER}`,
        'launch-template lt-30303030 alice',
        `key-pair spotbox-llama-10101010 ${OTHER_OWNER}`,
        'key-pair spotbox-llama-30303030 alice',
        `security-group sg-10101010 ${OTHER_OWNER}`,
        'security-group sg-30303030 alice',
      ],
      "a colleague's and an older Spotbox's (owner = OS user name), past the grace period only",
    );
  });

  it("does not let another owner's live instance keep this owner's resources, nor the reverse", () => {
    const session = '50505050-e';
    const resources = [...launchResources(REGION, session, undefined), { kind: 'instance' as const, id: 'i-impostor', region: REGION, tags: launchTags(session, 'llama', OTHER_OWNER), createdAt: NOW, state: 'running' }];
    assert.deepEqual(ids(classify(resources).orphans), ['launch-template lt-50505050', 'key-pair spotbox-llama-50505050', 'security-group sg-50505050']);
  });

  it('ignores whatever lacks spotbox:managed=true, even with every other Spotbox tag', () => {
    const lookalike = launchResources(REGION, '60606060-f', 'stopped').map((resource) => ({ ...resource, tags: { ...resource.tags, 'spotbox:managed': 'false' } }));
    const untagged = launchResources(REGION, '70707070-0', 'stopped').map((resource) => ({ ...resource, tags: Object.fromEntries(Object.entries(resource.tags).filter(([key]) => key !== 'spotbox:managed')) }));
    const { orphans, recent, otherOwners } = classify([...lookalike, ...untagged], 0);
    assert.deepEqual([...orphans, ...recent, ...otherOwners], []);
  });
});
