import { SpotboxError } from '../errors';
import { toUserError } from '../aws/awsErrors';
import { classifyOrphans, DEFAULT_GRACE_MS, sortForDeletion } from './classifyOrphans';
import type { HygieneCloud, Orphan, OrphanScan } from './orphanTypes';

export interface FindOrphansOptions {
  readonly regions: readonly string[];
  /** This installation's owner id: only its resources are offered as orphans (see ownership.ts). */
  readonly ownerId: string;
  /** Epoch ms; injectable so tests can age resources. */
  readonly now?: number;
  /** See DEFAULT_GRACE_MS; 0 lists even resources created a moment ago. */
  readonly graceMs?: number;
  /** Fleets of lineages the editor's journal records as ended: orphans once no live box needs them. */
  readonly endedFleetIds?: readonly string[];
}

/**
 * Lists Spotbox's resources in every region at once and finds those no live box needs (see
 * classifyOrphans for what "live" means), this owner's apart from other owners'. A region that cannot be read is reported and left out —
 * its orphans cannot be told from a live box's resources — unless no region could be read at all.
 */
export async function findOrphans(cloud: HygieneCloud, options: FindOrphansOptions): Promise<OrphanScan> {
  const now = options.now ?? Date.now();
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const results = await Promise.allSettled(
    options.regions.map(async (region) => {
      try {
        return classifyOrphans(await cloud.listTagged(region), { now, graceMs, ownerId: options.ownerId, ...(options.endedFleetIds ? { endedFleetIds: options.endedFleetIds } : {}) });
      } catch (error) {
        throw toUserError(error, { action: 'Listing Spotbox resources', region });
      }
    }),
  );
  const problems: string[] = [];
  const orphans: Orphan[] = [];
  const recent: Orphan[] = [];
  const otherOwners: Orphan[] = [];
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      orphans.push(...result.value.orphans);
      recent.push(...result.value.recent);
      otherOwners.push(...result.value.otherOwners);
    } else {
      problems.push(`${options.regions[index]}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
    }
  });
  const first = results[0];
  if (options.regions.length > 0 && problems.length === options.regions.length && first?.status === 'rejected') {
    throw first.reason instanceof SpotboxError ? first.reason : new SpotboxError(`Could not list Spotbox resources: ${problems.join('; ')}`);
  }
  return { orphans: sortForDeletion(orphans), recent: sortForDeletion(recent), otherOwners: sortForDeletion(otherOwners), problems };
}
