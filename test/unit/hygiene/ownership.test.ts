import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { OWNER_ID_KEY, ownerIdFrom, ownershipOf } from '../../../src/core/hygiene/ownership';
import { releaseSessionResources } from '../../../src/core/hygiene/releaseSessionResources';
import { OTHER_OWNERS_SECTION_TITLE, OWN_SECTION_TITLE, sweepSections } from '../../../src/core/hygiene/sweepChoices';
import { silentLogger } from '../../../src/core/logging/logger';
import { FakeHygieneCloud, launchResources, launchTags, NOW, OTHER_OWNER, OWNER } from './fakeHygieneCloud';

const REGION = 'us-east-1';
const kinds = (cloud: FakeHygieneCloud): string[] => cloud.resources.map((resource) => `${resource.kind} ${resource.id}`).sort();

describe('Ownership: the sweep and release act only on what this installation launched', () => {
  let keyDirectory: string;
  beforeEach(() => {
    keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-owner-unit-'));
  });
  afterEach(() => fs.rmSync(keyDirectory, { recursive: true, force: true }));

  it('tells mine, another owner, and an unmanaged lookalike apart', () => {
    assert.equal(ownershipOf(launchTags('s', 'llama', OWNER), OWNER), 'mine');
    assert.equal(ownershipOf(launchTags('s', 'llama', OTHER_OWNER), OWNER), 'other');
    assert.equal(ownershipOf(launchTags('s', 'llama', 'alice'), OWNER), 'other', 'an older Spotbox tagged the OS user name');
    assert.equal(ownershipOf({ 'spotbox:managed': 'true' }, OWNER), 'other', 'no owner tag');
    assert.equal(ownershipOf({ 'spotbox:owner': OWNER, 'spotbox:session': 's', 'spotbox:box': 'llama' }, OWNER), 'unmanaged');
  });

  it("releases this owner's session only, never another owner's resources that carry the same session tag", async () => {
    const session = 'aaaaaaaa-1';
    const copied = launchResources(REGION, session, undefined, NOW, OTHER_OWNER).map((resource) => ({ ...resource, id: `${resource.id}-theirs` }));
    const cloud = new FakeHygieneCloud([...launchResources(REGION, session, undefined), ...copied, ...launchResources(REGION, 'bbbbbbbb-2', undefined, NOW, OTHER_OWNER)]);
    const result = await releaseSessionResources(cloud, { region: REGION, sessionId: session, ownerId: OWNER, keyDirectory, logger: silentLogger });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(result.deleted.map((orphan) => orphan.id).sort(), ['lt-aaaaaaaa', 'sg-aaaaaaaa', 'spotbox-llama-aaaaaaaa']);
    assert.deepEqual(kinds(cloud), [
      'key-pair spotbox-llama-aaaaaaaa-theirs',
      'key-pair spotbox-llama-bbbbbbbb',
      'launch-template lt-aaaaaaaa-theirs',
      'launch-template lt-bbbbbbbb',
      'security-group sg-aaaaaaaa-theirs',
      'security-group sg-bbbbbbbb',
    ]);
  });

  it("releases nothing of a session another owner launched, even when asked for that session", async () => {
    const cloud = new FakeHygieneCloud(launchResources(REGION, 'cccccccc-3', 'running', NOW, OTHER_OWNER));
    const result = await releaseSessionResources(cloud, { region: REGION, sessionId: 'cccccccc-3', ownerId: OWNER, keyDirectory, logger: silentLogger });
    assert.deepEqual(result.deleted, []);
    assert.equal(kinds(cloud).length, 4);
    assert.deepEqual(cloud.calls.filter((call) => /^(terminate|delete)/.test(call)), []);
  });

  it("ticks this installation's orphans only; other owners' are in a section of their own, unticked, saying whose", async () => {
    const cloud = new FakeHygieneCloud([
      ...launchResources(REGION, 'dddddddd-4', undefined),
      ...launchResources(REGION, 'eeeeeeee-5', 'stopped', NOW - 3_600_000, OTHER_OWNER),
      ...launchResources(REGION, 'ffffffff-6', undefined, NOW - 3_600_000, 'alice'),
    ]);
    const scan = await findOrphans(cloud, { regions: [REGION], now: NOW, ownerId: OWNER });
    const sections = sweepSections(scan, { osUserName: 'alice' });
    assert.deepEqual(sections.map((section) => section.title), [OWN_SECTION_TITLE, OTHER_OWNERS_SECTION_TITLE]);
    const [own, others] = sections;
    assert.deepEqual(own.choices.map((choice) => `${choice.orphan.id} ${choice.picked}`), ['lt-dddddddd true', 'spotbox-llama-dddddddd true', 'sg-dddddddd true']);
    assert.equal(others.choices.length, 7, "the colleague's stopped box with its three resources, and an older Spotbox's three");
    assert.ok(others.choices.every((choice) => !choice.picked), 'never ticked');
    assert.match(others.choices.find((choice) => choice.orphan.id === 'i-eeeeeeee')!.detail, new RegExp(`^owner ${OTHER_OWNER}: another Spotbox installation`));
    assert.match(others.choices.find((choice) => choice.orphan.id === 'lt-ffffffff')!.detail, /^owner "alice": an older Spotbox tagged the OS user name, the same as yours here/);
    assert.deepEqual(sweepSections({ orphans: [], otherOwners: scan.otherOwners }).map((section) => section.title), [OTHER_OWNERS_SECTION_TITLE], 'no empty section');
  });

  it('keeps one owner id per installation: created once, then read back; a malformed one is replaced', async () => {
    const saved = new Map<string, unknown>();
    const store = { get: (key: string) => saved.get(key), update: async (key: string, value: unknown) => void saved.set(key, value) };
    const failed: unknown[] = [];
    const first = ownerIdFrom(store, (error) => failed.push(error));
    assert.match(first, /^[0-9a-f]{16}$/);
    await Promise.resolve();
    assert.equal(saved.get(OWNER_ID_KEY), first);
    assert.equal(ownerIdFrom(store, (error) => failed.push(error)), first);
    assert.notEqual(ownerIdFrom({ get: () => undefined, update: async () => undefined }, () => undefined), first, 'another installation gets another id');
    saved.set(OWNER_ID_KEY, os.userInfo().username);
    assert.match(ownerIdFrom(store, (error) => failed.push(error)), /^[0-9a-f]{16}$/);
    assert.deepEqual(failed, []);
  });
});
