import { TAGS } from '../aws/spotboxTags';
import type { Orphan, ResourceKind, TaggedResource } from './orphanTypes';
import { ownershipOf } from './ownership';

/**
 * What "a live box" means to the sweep: an instance of the session that is pending, running or
 * stopping. Stopping is a transition (a spot stop-interruption or an idle stop under way): it is
 * left alone and looked at again on the next sweep.
 *
 * Not live:
 * - stopped: a Spotbox box is never meant to sit stopped (a one-time spot instance cannot be
 *   started again, and a stopped one still bills its disk), so the instance itself is an orphan,
 *   and so are its session's key pair, group and template — but only together with it;
 * - shutting-down: already going; it is not listed, yet its group's deletion waits for it.
 */
export const LIVE_INSTANCE_STATES: readonly string[] = ['pending', 'running', 'stopping'];

/** How long a resource with no live box is left alone, because a launch may be creating it right now. */
export const DEFAULT_GRACE_MS = 15 * 60_000;

// Deletion order: a fleet first, or it launches a replacement for every instance terminated; then
// instances free the group and key; templates name the key and the group.
const KIND_ORDER: readonly ResourceKind[] = ['fleet', 'instance', 'launch-template', 'key-pair', 'security-group'];

/** Fleet states in which an EC2 Fleet of type maintain launches to its target. */
export const LIVE_FLEET_STATES: readonly string[] = ['submitted', 'active', 'modifying'];

/**
 * Launch errors that no retry can mend: something the launch needs (its template, image, key pair,
 * group, subnet) does not exist. Capacity and price errors (InsufficientInstanceCapacity,
 * SpotMaxPriceTooLow, ...) pass: the fleet is waiting for capacity, which is what it is for.
 */
const PERMANENT_FLEET_ERROR = /NotFound/;

export interface ClassifyOptions {
  readonly now: number;
  readonly graceMs: number;
  /** This installation's owner id (see ownership.ts): only its resources are offered as orphans. */
  readonly ownerId: string;
  /** Fleets of lineages the editor's journal records as ended (LineageRecord.ended with a fleetId). */
  readonly endedFleetIds?: readonly string[];
}

export interface Classified {
  /** This owner's, past the grace period: offered for deletion, ticked. */
  readonly orphans: Orphan[];
  /** This owner's, within the grace period (or of unknown age and session): left alone. */
  readonly recent: Orphan[];
  /** Another Spotbox installation's or an older Spotbox's, past the grace period: shown apart, never ticked. */
  readonly otherOwners: Orphan[];
}

/**
 * Splits one region's tagged resources by owner, then each owner's into orphans, recent would-be
 * orphans (within the grace period) and the rest (owned by a live box, not returned). Resources
 * without `spotbox:managed=true` are dropped: a lookalike tag does not make them Spotbox's. Owners
 * are classified apart, so another owner's instance never keeps this owner's resources alive, nor
 * the reverse.
 */
export function classifyOrphans(resources: readonly TaggedResource[], options: ClassifyOptions): Classified {
  const mine = classifyOneOwner(resources.filter((resource) => ownershipOf(resource.tags, options.ownerId) === 'mine'), options);
  const others = classifyOneOwner(resources.filter((resource) => ownershipOf(resource.tags, options.ownerId) === 'other'), options);
  // Another owner's young resources are not even mentioned: a colleague's launch may be under way.
  return { orphans: mine.orphans, recent: mine.recent, otherOwners: others.orphans };
}

/**
 * A launch creates the key pair first and its rollback deletes it last, so a session's oldest
 * resource tells when it began; EC2 gives security groups no creation time, so they take their
 * session's.
 */
function classifyOneOwner(resources: readonly TaggedResource[], options: Omit<ClassifyOptions, 'ownerId'>): { orphans: Orphan[]; recent: Orphan[] } {
  const sessionOf = (resource: TaggedResource): string | undefined => resource.tags[TAGS.session] || undefined;
  const instances = resources.filter((resource) => resource.kind === 'instance');
  const boxedSessions = new Set(instances.filter((instance) => LIVE_INSTANCE_STATES.includes(instance.state ?? '')).map(sessionOf));
  const endedFleets = new Set(options.endedFleetIds ?? []);
  // A live fleet keeps its session alive between a reclaim and the replacement, when it has no
  // instance: its template (and the key pair and group the template names) must stay, or the
  // replacement cannot launch.
  const liveSessions = new Set([
    ...boxedSessions,
    ...resources.filter((resource) => resource.kind === 'fleet' && fleetEnd(resource, endedFleets) === undefined && launches(resource)).map(sessionOf),
  ]);
  const stoppedBySession = groupBy(instances.filter((instance) => instance.state === 'stopped'), sessionOf);
  const terminatingSessions = new Set(instances.filter((instance) => instance.state === 'shutting-down').map(sessionOf));
  const bornBySession = new Map<string | undefined, number>();
  for (const resource of resources) {
    const session = sessionOf(resource);
    if (session !== undefined && resource.createdAt !== undefined) {
      bornBySession.set(session, Math.min(bornBySession.get(session) ?? Infinity, resource.createdAt));
    }
  }

  const orphans: Orphan[] = [];
  const recent: Orphan[] = [];
  for (const resource of resources) {
    const sessionId = sessionOf(resource);
    const owner = resource.tags[TAGS.owner];
    const base = {
      kind: resource.kind,
      id: resource.id,
      region: resource.region,
      ...(resource.name !== undefined ? { name: resource.name } : {}),
      ...(sessionId !== undefined ? { sessionId } : {}),
      ...(resource.tags[TAGS.box] ? { boxName: resource.tags[TAGS.box] } : {}),
      ...(owner ? { owner } : {}),
    };
    if (resource.kind === 'fleet') {
      const fleet = classifyFleet(resource, base, boxedSessions, endedFleets, options);
      if (fleet) (fleet.young ? recent : orphans).push(fleet.orphan);
      continue;
    }
    if (resource.kind === 'instance') {
      if (resource.state === 'stopped') {
        orphans.push({ ...base, ...(resource.createdAt !== undefined ? { createdAt: resource.createdAt } : {}), reason: 'stopped: a Spotbox box is not meant to sit stopped, and its disk still bills; terminating deletes the disk' });
      }
      continue;
    }
    if (sessionId !== undefined && liveSessions.has(sessionId)) {
      continue;
    }
    const createdAt = sessionId === undefined ? resource.createdAt : (resource.createdAt ?? bornBySession.get(sessionId));
    const stopped = sessionId === undefined ? [] : (stoppedBySession.get(sessionId)?.map((instance) => instance.id) ?? []);
    const orphan: Orphan = {
      ...base,
      ...(createdAt !== undefined ? { createdAt } : {}),
      reason: reasonFor(sessionId, stopped, sessionId !== undefined && terminatingSessions.has(sessionId)),
      ...(stopped.length > 0 ? { dependsOnInstances: stopped } : {}),
    };
    (isYoung(sessionId, createdAt, options) ? recent : orphans).push(orphan);
  }
  return { orphans: sortForDeletion(orphans), recent: sortForDeletion(recent) };
}

/**
 * When an EC2 Fleet of type maintain is an orphan. Its lineage has ended when:
 * - the editor's journal says so (the user terminated the box, or idle stop did, and deleting the
 *   fleet then failed): the user's word, so no grace period;
 * - it cannot launch anything: a launch template it names is gone, or every error it reports is a
 *   NotFound (its image, key pair, group...), not a capacity or price error;
 * - it launches nothing by design: failed, or a target capacity of 0.
 * A fleet that merely launched nothing for a while, reporting capacity errors, is NOT an orphan:
 * waiting out a spot shortage with no editor open is what the fleet is for (issue 12), and only
 * the lineage's owner can tell that it is no longer wanted. Nor is a lineage missing from this
 * editor's journal evidence: another window or machine may be following it.
 * Never while its session has a live instance: deleting the fleet would terminate a running box.
 */
function classifyFleet(
  fleet: TaggedResource,
  base: Omit<Orphan, 'reason'>,
  boxedSessions: ReadonlySet<string | undefined>,
  endedFleets: ReadonlySet<string>,
  options: Omit<ClassifyOptions, 'ownerId'>,
): { orphan: Orphan; young: boolean } | undefined {
  const sessionId = base.sessionId;
  if (sessionId !== undefined && boxedSessions.has(sessionId)) return undefined;
  const ended = fleetEnd(fleet, endedFleets);
  if (ended === undefined && launches(fleet)) return undefined;
  const reason = ended ?? (fleet.fleet?.state === 'failed' ? 'the fleet failed: it launches nothing' : 'its target capacity is 0: it launches nothing');
  const orphan: Orphan = { ...base, ...(fleet.createdAt !== undefined ? { createdAt: fleet.createdAt } : {}), reason };
  const young = !endedFleets.has(fleet.id) && isYoung(sessionId, fleet.createdAt, options);
  return { orphan, young };
}

/** Why the fleet's lineage has ended, or undefined while it may still launch what its owner wants. */
function fleetEnd(fleet: TaggedResource, endedFleets: ReadonlySet<string>): string | undefined {
  if (endedFleets.has(fleet.id)) return 'its box was terminated on purpose (the lineage has ended), yet the fleet remains';
  const facts = fleet.fleet;
  if (facts && !facts.launchTemplateExists) return 'its launch template is gone, so it cannot launch anything';
  if (facts && facts.activityStatus === 'error' && facts.errorCodes.length > 0 && facts.errorCodes.every((code) => PERMANENT_FLEET_ERROR.test(code))) {
    return `it cannot launch anything (${[...new Set(facts.errorCodes)].join(', ')})`;
  }
  return undefined;
}

/** A fleet that launches to a target above 0 (no facts: assume it does). */
export function launches(fleet: TaggedResource): boolean {
  const facts = fleet.fleet;
  return facts === undefined || (LIVE_FLEET_STATES.includes(facts.state) && facts.targetCapacity > 0);
}

/**
 * Within the grace period, a launch may be creating the resource right now. Session-less ones follow
 * the same rule by their own age. One with neither a session nor an age (a security group: EC2 gives
 * groups no creation time) cannot be shown to be old, and no Spotbox launch makes such a thing, so
 * it stays held back; a grace of 0 (tests, benches) lists everything.
 */
function isYoung(sessionId: string | undefined, createdAt: number | undefined, options: Omit<ClassifyOptions, 'ownerId'>): boolean {
  if (options.graceMs <= 0) return false;
  if (createdAt === undefined) return sessionId === undefined;
  return options.now - createdAt < options.graceMs;
}

export function sortForDeletion(orphans: readonly Orphan[]): Orphan[] {
  return [...orphans].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
}

function reasonFor(sessionId: string | undefined, stopped: readonly string[], terminating: boolean): string {
  if (sessionId === undefined) return 'tagged by Spotbox but without a spotbox:session tag, so no box can own it';
  if (stopped.length > 0) return `its box ${stopped.join(', ')} is stopped`;
  if (terminating) return 'its box is being terminated';
  return `its box (session ${sessionId.slice(0, 8)}) no longer exists`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string | undefined, T[]> {
  const groups = new Map<string | undefined, T[]>();
  for (const item of items) {
    groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  }
  return groups;
}
