import type { CloudId } from '../cloud/clouds';
import { CLOUD_FACTS } from '../cloud/clouds';
import { deleteOrphans, type DeleteOrphansOptions } from './deleteOrphans';
import { findOrphans, type FindOrphansOptions } from './findOrphans';
import type { HygieneCloud, Orphan, OrphanScan, SweepResult } from './orphanTypes';

/** One cloud to sweep: its view, and the scopes (regions) to list. */
export interface SweepTarget {
  readonly id: CloudId;
  readonly cloud: HygieneCloud;
  readonly regions: readonly string[];
  /** Where it looks, in words: "us-east-1, us-west-2", "Google Cloud project p". */
  readonly where: string;
}

/**
 * Finds orphans in every connected cloud, each judged on its own (a box in one cloud never keeps
 * another cloud's resources alive). A cloud that cannot be read is a problem line, not a failure,
 * unless none could be read.
 */
export async function findOrphansInClouds(targets: readonly SweepTarget[], options: Omit<FindOrphansOptions, 'regions'>): Promise<OrphanScan> {
  const scans = await Promise.allSettled(targets.map((target) => findOrphans(target.cloud, { ...options, regions: target.regions })));
  const tag = (id: CloudId, orphans: readonly Orphan[]): Orphan[] => orphans.map((orphan) => ({ ...orphan, cloud: id }));
  const merged = { orphans: [] as Orphan[], recent: [] as Orphan[], otherOwners: [] as Orphan[], problems: [] as string[] };
  scans.forEach((scan, index) => {
    const { id } = targets[index];
    if (scan.status === 'rejected') {
      merged.problems.push(`${CLOUD_FACTS[id].label}: ${scan.reason instanceof Error ? scan.reason.message : String(scan.reason)}`);
      return;
    }
    merged.orphans.push(...tag(id, scan.value.orphans));
    merged.recent.push(...tag(id, scan.value.recent));
    merged.otherOwners.push(...tag(id, scan.value.otherOwners));
    merged.problems.push(...scan.value.problems.map((problem) => (targets.length > 1 ? `${CLOUD_FACTS[id].label} ${problem}` : problem)));
  });
  const first = scans[0];
  if (targets.length > 0 && scans.every((scan) => scan.status === 'rejected') && first?.status === 'rejected') throw first.reason;
  return merged;
}

/** Deletes each cloud's chosen orphans through that cloud (all clouds at once), and sums up. */
export async function deleteOrphansInClouds(targets: readonly SweepTarget[], chosen: readonly Orphan[], options: DeleteOrphansOptions): Promise<SweepResult> {
  const results = await Promise.all(targets.map((target) => deleteOrphans(target.cloud, chosen.filter((orphan) => (orphan.cloud ?? 'aws') === target.id), options)));
  return { deleted: results.flatMap((result) => result.deleted), failed: results.flatMap((result) => result.failed), skipped: results.flatMap((result) => result.skipped) };
}
