import type { AgentTuning } from '../agent/agentConfig';
import type { Logger } from '../logging/logger';
import { CLOUD_FACTS, type CloudId } from '../cloud/clouds';
import { SpotboxError, userMessageOf } from '../errors';
import { BoxKeptError } from '../profileLaunch/boxKeptError';
import type { OtherCloud, SpotboxProfile } from '../profile/profileTypes';
import type { BootRestoreOutcome } from '../recovery/bootRestoreJournal';
import type { CheckpointRef, LineageRecord } from '../recovery/recoveryTypes';
import { copyCheckpoint } from './checkpointCopy';
import { moveCause, type CrossCloudMove, type LandedBox, type MoveOptions, type MoveResult, type SkippedCloud } from '../recovery/crossCloudTypes';
import { egressCostUsd } from '../pricing/egressPrices';
import type { ObjectSink, ObjectSource } from './objectStores';
import { profileOnOtherCloud } from './otherCloudProfile';

/** What a landing on any cloud is built from: that cloud's clients, and what every box launch there needs. */
export interface LandingDeps<Clients> {
  /** The cloud's clients for the chosen project or subscription; rejects with the next step when none is chosen. */
  readonly clients: () => Promise<Clients>;
  /** The assembled agent the box's bootstrap installs from the bucket or container. */
  readonly agentSource: () => Promise<string>;
  readonly keyDirectory: string;
  /** This installation's owner id (its label or tag spotbox-owner). */
  readonly owner: string;
  /** This machine's public IP now (the lineage's recorded one when it cannot be read): SSH to the new box is opened to it only. */
  readonly callerIp: (record: LineageRecord) => Promise<string>;
  readonly logger: Logger;
  readonly agentTuning?: AgentTuning;
  /** How long the box may take to restore and resume after it runs (default 10 minutes). */
  readonly resumeTimeoutMs?: number;
}

/** What landing a session on one other cloud takes: its bucket, a launch there, and its box's word that it resumed. */
export interface CrossCloudLanding {
  readonly cloud: CloudId;
  sink(target: OtherCloud): ObjectSink;
  /** Launches the lineage's box there from `profile`, continuing `record.lineage` (its agent restores at boot). */
  launch(record: LineageRecord, profile: SpotboxProfile, signal: AbortSignal): Promise<LandedBox>;
  /** Waits for the landed box's journal to say it restored and resumed the session. */
  waitResumed(landed: LandedBox, profile: SpotboxProfile, signal: AbortSignal): Promise<BootRestoreOutcome>;
}

export interface MovePorts {
  readonly source: (record: LineageRecord) => ObjectSource;
  /** The clouds a session can land on (Google Cloud, Azure), tried in the order of the profile's otherClouds entries. */
  readonly landings: readonly CrossCloudLanding[];
  /** Ends the lineage on its own cloud (its fleet, the interrupted box, its launch's key, group and template), so it never starts a second copy. */
  readonly endSource: (record: LineageRecord, interruptedInstanceId: string) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Moves a lineage to another cloud when its own has no Spot capacity for the replacement, or for
 * price (the cloud and pool the comparison chose): copy its committed checkpoint into the other
 * cloud's bucket (same keys), launch there with the same lineage (the box restores it at boot and
 * starts the session), wait for its journal to say it resumed, then end the lineage on its own
 * cloud. Each step is reported before the next, and a move that already copied or launched (a
 * reloaded window) goes on from there: never a second box.
 *
 * Without capacity, the otherClouds entries are tried in the profile's order: one that fails before
 * a box exists there (not signed in, no capacity there either, a bucket that refuses the copy) is
 * recorded as skipped and the next is tried. Once a box exists on a cloud the move stays with it.
 */
export async function moveLineage(ports: MovePorts, record: LineageRecord, move: CrossCloudMove, checkpoint: CheckpointRef, options: MoveOptions): Promise<MoveResult> {
  const profile = record.crossCloud?.profile;
  // For price: the cloud the comparison chose. Otherwise the otherClouds entries that can be landed on, in order.
  const wanted = move.reason === 'cheaper' ? move.priceComparison.to.cloud : undefined;
  const candidates = (profile?.otherClouds ?? [])
    .filter((target) => wanted === undefined || target.cloud === wanted)
    .flatMap((target) => ports.landings.filter((landing) => landing.cloud === target.cloud).map((landing) => ({ target, landing })));
  if (!profile || !record.checkpoint || candidates.length === 0) {
    throw new SpotboxError(`${record.boxName} has nowhere to move: ${moveCause(move)}`, 'Add Google Cloud or Azure to "otherClouds" in .spotbox/profile.json and sign in to it (Spotbox: Choose GCP Project, Spotbox: Choose Azure Subscription), or wait for Spot capacity on AWS.');
  }
  // A reloaded move goes on where it got to: the cloud it launched or copied to, then the ones after it.
  const reachedCloud = move.to?.cloud ?? move.copy?.toCloud;
  const remaining = candidates.slice(Math.max(0, candidates.findIndex((candidate) => candidate.target.cloud === reachedCloud)));
  const now = ports.now ?? Date.now;
  let current = move;

  const landOn = async (target: OtherCloud, landing: CrossCloudLanding): Promise<MoveResult> => {
    // The priced pool first; the entry's other regions and types stay as fallbacks for its capacity.
    const there = profileOnOtherCloud(profile, current.reason === 'cheaper' ? pricedFirst(target, current.priceComparison.to) : target);
    if (!current.copy) {
      const source = ports.source(record);
      const report = await copyCheckpoint(source, landing.sink(target), { prefix: record.checkpoint!.prefix, lineage: record.lineage, seq: Number(checkpoint.seq) }, { signal: options.signal, ...(options.onCopyProgress ? { onProgress: options.onCopyProgress } : {}) });
      current = { ...current, copy: { ...report, egressUsd: egressCostUsd(current.from.cloud, report.bytes), toCloud: landing.cloud } };
      await options.onMove(current, {});
    }
    if (!current.to) {
      const landed = await landing.launch(record, there, options.signal);
      current = { ...current, to: landed };
      await options.onMove(current, { replacementLaunched: now(), replacementRunning: now() });
    }
    const boot = await landing.waitResumed(current.to!, there, options.signal);
    if (boot.phase !== 'resumed') {
      throw new SpotboxError(
        `The box on ${current.to!.cloud} (${current.to!.instance}) did not resume the session: ${boot.phase === 'failed' ? (boot.error ?? 'its restore failed') : 'it found no checkpoint'}.`,
        'See ~/.spotbox/journal.jsonl on that box; the checkpoint was copied to its bucket under the same prefix.',
      );
    }
    await ports.endSource(record, move.from.instanceId);
    return { move: current, boot };
  };

  for (const [index, { target, landing }] of remaining.entries()) {
    try {
      return await landOn(target, landing);
    } catch (error) {
      // A box there (launched, or kept by a launch that failed once it ran) keeps the move on that cloud: never a second box.
      const boxThere = current.to !== undefined || error instanceof BoxKeptError;
      if (options.signal.aborted || boxThere || index === remaining.length - 1) {
        throw current.skipped?.length && !boxThere && !options.signal.aborted ? noCloudTookIt(record, [...current.skipped, skippedBecause(landing.cloud, error)]) : error;
      }
      const { copy: _copiedThere, ...rest } = current;
      void _copiedThere;
      current = { ...rest, skipped: [...(current.skipped ?? []), skippedBecause(landing.cloud, error)] };
      options.onSkipped?.(current.skipped!.at(-1)!);
      await options.onMove(current, {});
    }
  }
  throw new Error('unreachable: the last cloud tried throws');
}

function skippedBecause(cloud: CloudId, error: unknown): SkippedCloud {
  return { cloud, reason: userMessageOf(error) };
}

function noCloudTookIt(record: LineageRecord, skipped: readonly SkippedCloud[]): SpotboxError {
  return new SpotboxError(
    `${record.boxName} could not move to another cloud: ${skipped.map((entry) => `${CLOUD_FACTS[entry.cloud].label}: ${entry.reason}`).join('; ')}`,
    'Fix the first cause above (sign in, choose a project or subscription, or add regions and machine types to its otherClouds entry), or wait for Spot capacity on AWS.',
  );
}

/** The otherClouds entry with the priced region and machine type tried first. */
function pricedFirst(target: OtherCloud, priced: { readonly region: string; readonly instanceType: string }): OtherCloud {
  const first = (values: readonly string[], value: string): string[] => (values.includes(value) ? [value, ...values.filter((other) => other !== value)] : [...values]);
  return { ...target, regions: first(target.regions, priced.region), instanceTypes: first(target.instanceTypes, priced.instanceType) };
}
