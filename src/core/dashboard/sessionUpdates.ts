import type { CostSnapshot } from '../billing/boxCostTracker';
import type { FirstHourWaiver } from '../billing/firstHourInterruption';
import { dropUndefined } from './dropUndefined';
import { withFirstHourWaiver } from './firstHourBilling';
import type { BoxSession, EpochRecord, InterruptionKind, InterruptionRecord, LedgerData, PendingUsageEvent, SessionEndReason } from './usageTypes';

/** Events for instances never seen are kept this many at most (newest kept): a typo must not grow the file forever. */
export const MAX_PENDING_EVENTS = 500;

export function sessionId(instanceId: string, start: number): string {
  return `${instanceId}@${start}`;
}

/**
 * Folds one cost snapshot into the ledger: opens a session for each newly billable box, brings
 * running sessions' costs up to date, and closes those whose box stopped, ended or vanished (at
 * the last time it was seen billable, with the cost known then). Undefined when nothing changed.
 */
export function applyCostSnapshot(data: LedgerData, snapshot: CostSnapshot): LedgerData | undefined {
  // Before the first box list an empty list means "not read yet": closing sessions on it would be wrong.
  if (!snapshot.boxListKnown) return undefined;
  const billable = new Map(snapshot.costs.map((cost) => [cost.box.instanceId, cost]));
  const listed = new Map(snapshot.allBoxes.map((box) => [box.instanceId, box]));
  let changed = false;
  const sessions = data.sessions.map((session) => {
    if (session.end !== undefined) return session;
    const cost = billable.get(session.instanceId);
    if (cost && cost.startMs === session.start) return session;
    changed = true;
    const box = listed.get(session.instanceId);
    // Billable again under another start time: it was stopped and started in between.
    const endReason: SessionEndReason = cost ? 'stopped' : box === undefined ? 'gone' : box.state === 'terminated' ? 'terminated' : 'stopped';
    return { ...session, end: session.lastSeenAt, endReason };
  });
  let pendingEvents = data.pendingEvents;
  for (const cost of snapshot.costs) {
    const { box } = cost;
    const id = sessionId(box.instanceId, cost.startMs);
    const index = sessions.findIndex((session) => session.id === id);
    changed = true;
    if (index >= 0) {
      const session = sessions[index];
      // Seen billable again after being closed: the close was a gap in the box list, not an end.
      sessions[index] = withFirstHourWaiver(dropUndefined({
        ...session,
        boxName: box.name,
        lastSeenAt: Math.max(session.lastSeenAt, snapshot.at),
        accruedUsd: cost.accruedUsd ?? session.accruedUsd,
        onDemandEquivalentUsd: cost.onDemandEquivalentUsd ?? session.onDemandEquivalentUsd,
        waiver: mergeWaivers(session.waiver, cost.waiver),
        end: undefined,
        endReason: undefined,
      }));
      continue;
    }
    const mine = pendingEvents.filter((event) => event.instanceId === box.instanceId);
    pendingEvents = pendingEvents.filter((event) => event.instanceId !== box.instanceId);
    sessions.push(withFirstHourWaiver(dropUndefined({
      id,
      cloud: box.cloud,
      boxName: box.name,
      instanceId: box.instanceId,
      region: box.region,
      availabilityZone: box.availabilityZone,
      instanceType: box.instanceType,
      lifecycle: box.lifecycle,
      start: cost.startMs,
      lastSeenAt: snapshot.at,
      accruedUsd: cost.accruedUsd,
      onDemandEquivalentUsd: cost.onDemandEquivalentUsd,
      waiver: cost.waiver,
      interruptions: dedupeInterruptions(mine.flatMap((event) => (event.interruption ? [event.interruption] : []))),
      epochs: mergeEpochs([], mine.flatMap((event) => (event.epoch ? [event.epoch] : []))),
    })));
  }
  return changed ? { sessions: sessions.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id)), pendingEvents } : undefined;
}

/** The session an event about `instanceId` at `time` belongs to: the latest that began by then, else the earliest. */
function targetSession(sessions: readonly BoxSession[], instanceId: string, time: number): number {
  let latestBefore = -1;
  let earliest = -1;
  sessions.forEach((session, index) => {
    if (session.instanceId !== instanceId) return;
    if (session.start <= time && (latestBefore < 0 || session.start > sessions[latestBefore].start)) latestBefore = index;
    if (earliest < 0 || session.start < sessions[earliest].start) earliest = index;
  });
  return latestBefore >= 0 ? latestBefore : earliest;
}

export function addInterruption(data: LedgerData, instanceId: string, kind: InterruptionKind, time: number): LedgerData | undefined {
  const record: InterruptionRecord = { kind, time };
  return addEvent(data, instanceId, { instanceId, interruption: record }, (session) => {
    const interruptions = dedupeInterruptions([...session.interruptions, record]);
    return interruptions.length === session.interruptions.length ? undefined : withFirstHourWaiver({ ...session, interruptions });
  });
}

export function addEpoch(data: LedgerData, instanceId: string, epoch: number, time: number): LedgerData | undefined {
  const record: EpochRecord = { epoch, time };
  return addEvent(data, instanceId, { instanceId, epoch: record }, (session) => {
    const epochs = mergeEpochs(session.epochs, [record]);
    return sameEpochs(epochs, session.epochs) ? undefined : { ...session, epochs };
  });
}

function addEvent(data: LedgerData, instanceId: string, pending: PendingUsageEvent, update: (session: BoxSession) => BoxSession | undefined): LedgerData | undefined {
  const time = pending.interruption?.time ?? pending.epoch?.time ?? 0;
  const index = targetSession(data.sessions, instanceId, time);
  if (index < 0) {
    if (data.pendingEvents.some((event) => samePending(event, pending))) return undefined;
    return { sessions: data.sessions, pendingEvents: [...data.pendingEvents, pending].slice(-MAX_PENDING_EVENTS) };
  }
  const updated = update(data.sessions[index]);
  if (!updated) return undefined;
  const sessions = [...data.sessions];
  sessions[index] = updated;
  return { sessions, pendingEvents: data.pendingEvents };
}

/**
 * Two windows of the editor share one ledger file: each merges what is on disk into what it knows
 * before writing, so neither erases the other's sessions. Per session the newer sighting wins;
 * interruptions and epochs are the union of both.
 */
export function mergeLedgers(ours: LedgerData, theirs: LedgerData): LedgerData {
  const byId = new Map(ours.sessions.map((session) => [session.id, session]));
  for (const other of theirs.sessions) {
    const mine = byId.get(other.id);
    if (!mine) {
      byId.set(other.id, other);
      continue;
    }
    const newer = other.lastSeenAt > mine.lastSeenAt ? other : mine;
    // A waiver either window saw holds: the other may only have missed the notice.
    byId.set(
      other.id,
      withFirstHourWaiver(dropUndefined({ ...newer, waiver: mergeWaivers(mine.waiver, other.waiver), interruptions: dedupeInterruptions([...mine.interruptions, ...other.interruptions]), epochs: mergeEpochs(mine.epochs, other.epochs) })),
    );
  }
  const pending = [...ours.pendingEvents];
  for (const event of theirs.pendingEvents) {
    if (!pending.some((candidate) => samePending(candidate, event))) pending.push(event);
  }
  // An event one window kept pending may belong to a session the other window opened.
  let merged: LedgerData = { sessions: [...byId.values()].sort((a, b) => a.start - b.start || a.id.localeCompare(b.id)), pendingEvents: [] };
  const unplaced: PendingUsageEvent[] = [];
  for (const event of pending) {
    if (!merged.sessions.some((session) => session.instanceId === event.instanceId)) {
      unplaced.push(event);
    } else if (event.interruption) {
      merged = addInterruption(merged, event.instanceId, event.interruption.kind, event.interruption.time) ?? merged;
    } else if (event.epoch) {
      merged = addEpoch(merged, event.instanceId, event.epoch.epoch, event.epoch.time) ?? merged;
    }
  }
  return { sessions: merged.sessions, pendingEvents: unplaced.slice(-MAX_PENDING_EVENTS) };
}

function mergeWaivers(a: FirstHourWaiver | undefined, b: FirstHourWaiver | undefined): FirstHourWaiver | undefined {
  return a && b ? (a.usd >= b.usd ? a : b) : (a ?? b);
}

function dedupeInterruptions(records: readonly InterruptionRecord[]): InterruptionRecord[] {
  const seen = new Map(records.map((record) => [`${record.kind}@${record.time}`, record]));
  return [...seen.values()].sort((a, b) => a.time - b.time);
}

/** One record per epoch number; a re-reported epoch (a resumed run redoing it) keeps the later time. */
function mergeEpochs(current: readonly EpochRecord[], added: readonly EpochRecord[]): EpochRecord[] {
  const byEpoch = new Map<number, EpochRecord>();
  for (const record of [...current, ...added]) {
    const known = byEpoch.get(record.epoch);
    if (!known || record.time > known.time) byEpoch.set(record.epoch, record);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

function sameEpochs(a: readonly EpochRecord[], b: readonly EpochRecord[]): boolean {
  return a.length === b.length && a.every((record, index) => record.epoch === b[index]?.epoch && record.time === b[index]?.time);
}

function samePending(a: PendingUsageEvent, b: PendingUsageEvent): boolean {
  return (
    a.instanceId === b.instanceId &&
    a.interruption?.kind === b.interruption?.kind &&
    a.interruption?.time === b.interruption?.time &&
    a.epoch?.epoch === b.epoch?.epoch &&
    a.epoch?.time === b.epoch?.time
  );
}
