import type { AgentTuning } from '../agent/agentConfig';
import type { Logger } from '../logging/logger';
import type { CloudId } from '../cloud/clouds';
import { SpotboxError } from '../errors';
import type { OtherCloud, SpotboxProfile } from '../profile/profileTypes';
import type { BootRestoreOutcome } from '../recovery/bootRestoreJournal';
import type { CheckpointRef, LineageRecord } from '../recovery/recoveryTypes';
import { copyCheckpoint } from './checkpointCopy';
import { moveCause, type CrossCloudMove, type LandedBox, type MoveOptions, type MoveResult } from '../recovery/crossCloudTypes';
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
  /** The clouds a session can land on (Google Cloud, Azure): the first otherClouds entry, in the profile's order, whose cloud is here wins. */
  readonly landings: readonly CrossCloudLanding[];
  /** Ends the lineage on its own cloud (its fleet, the interrupted box, its launch's key, group and template), so it never starts a second copy. */
  readonly endSource: (record: LineageRecord, interruptedInstanceId: string) => Promise<void>;
  readonly now?: () => number;
}

/**
 * Moves a lineage to another cloud when its own has no Spot capacity for the replacement (the first
 * the profile names that can be landed on), or for price (the cloud and pool the comparison chose):
 * copy its committed checkpoint into the other cloud's bucket (same keys), launch there with the same
 * lineage (the box restores it at boot and starts the session), wait for its journal to say it
 * resumed, then end the lineage on its own cloud. Each step is reported before the next, and a move that already
 * copied or launched (a reloaded window) goes on from there: never a second box.
 */
export async function moveLineage(ports: MovePorts, record: LineageRecord, move: CrossCloudMove, checkpoint: CheckpointRef, options: MoveOptions): Promise<MoveResult> {
  const profile = record.crossCloud?.profile;
  // For price: the cloud the comparison chose. Otherwise the first the profile names that can be landed on.
  const wanted = move.reason === 'cheaper' ? move.priceComparison.to.cloud : undefined;
  const choice = profile?.otherClouds
    ?.filter((target) => wanted === undefined || target.cloud === wanted)
    .map((target) => ({ target, landing: ports.landings.find((landing) => landing.cloud === target.cloud) }))
    .find((entry) => entry.landing);
  if (!profile || !record.checkpoint || !choice?.landing) {
    throw new SpotboxError(`${record.boxName} has nowhere to move: ${moveCause(move)}`, 'Add Google Cloud or Azure to "otherClouds" in .spotbox/profile.json and sign in to it (Spotbox: Choose GCP Project, Spotbox: Choose Azure Subscription), or wait for Spot capacity on AWS.');
  }
  const { target, landing } = choice;
  const now = ports.now ?? Date.now;
  // The priced pool first; the entry's other regions and types stay as fallbacks for its capacity.
  const there = profileOnOtherCloud(profile, move.reason === 'cheaper' ? pricedFirst(target, move.priceComparison.to) : target);
  let current = move;
  if (!current.copy) {
    const source = ports.source(record);
    const report = await copyCheckpoint(source, landing.sink(target), { prefix: record.checkpoint.prefix, lineage: record.lineage, seq: Number(checkpoint.seq) }, { signal: options.signal, ...(options.onCopyProgress ? { onProgress: options.onCopyProgress } : {}) });
    current = { ...current, copy: { ...report, egressUsd: egressCostUsd(current.from.cloud, report.bytes) } };
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
}

/** The otherClouds entry with the priced region and machine type tried first. */
function pricedFirst(target: OtherCloud, priced: { readonly region: string; readonly instanceType: string }): OtherCloud {
  const first = (values: readonly string[], value: string): string[] => (values.includes(value) ? [value, ...values.filter((other) => other !== value)] : [...values]);
  return { ...target, regions: first(target.regions, priced.region), instanceTypes: first(target.instanceTypes, priced.instanceType) };
}
