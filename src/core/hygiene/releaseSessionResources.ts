import { TAGS } from '../aws/spotboxTags';
import type { Logger } from '../logging/logger';
import { launches, sortForDeletion } from './classifyOrphans';
import { deleteOrphans } from './deleteOrphans';
import type { HygieneCloud, Orphan, SweepResult } from './orphanTypes';
import { ownershipOf } from './ownership';

export interface ReleaseSessionOptions {
  readonly region: string;
  readonly sessionId: string;
  /** This installation's owner id: a resource with the session's tag but another owner stays. */
  readonly ownerId: string;
  readonly keyDirectory: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Removes everything one launch of this owner created (its instance, launch template, key pair
 * with the local key file, security group), found by the launch's `spotbox:session` tag together
 * with `spotbox:managed=true` and this owner's id: a session id is only a tag anyone can copy.
 * Terminating a box or replacing it after an interruption ends here, so neither leaves orphans.
 *
 * EC2 Fleets are not deleted here: Terminate Box and idle stop delete a box's fleet before its
 * instance goes (terminateBox), and a fleet still launching for the session needs its template,
 * key pair and group — then nothing is released (all skipped) and the sweep decides later.
 */
export async function releaseSessionResources(cloud: HygieneCloud, options: ReleaseSessionOptions): Promise<SweepResult> {
  const ofSession = (await cloud.listTagged(options.region)).filter((resource) => resource.tags[TAGS.session] === options.sessionId);
  const resources = ofSession.filter((resource) => ownershipOf(resource.tags, options.ownerId) === 'mine');
  const kept = ofSession.length - resources.length;
  if (kept > 0) {
    // A box launched by an older Spotbox (owner = OS user name) lands here too: the sweep lists its leftovers apart.
    options.logger.info(`left ${kept} resource(s) of session ${options.sessionId} alone: they carry another owner's tag, not this installation's`);
  }
  const liveFleets = resources.filter((resource) => resource.kind === 'fleet' && launches(resource)).map((resource) => resource.id);
  const doomed: Orphan[] = resources.filter((resource) => resource.kind !== 'fleet').map((resource) => ({
    kind: resource.kind,
    id: resource.id,
    ...(resource.name ? { name: resource.name } : {}),
    region: resource.region,
    sessionId: options.sessionId,
    ...(resource.tags[TAGS.box] ? { boxName: resource.tags[TAGS.box] } : {}),
    owner: options.ownerId,
    ...(resource.createdAt !== undefined ? { createdAt: resource.createdAt } : {}),
    reason: 'its box was terminated',
  }));
  if (liveFleets.length > 0) {
    const reason = `EC2 Fleet ${liveFleets.join(', ')} still launches from them`;
    options.logger.warn(`left session ${options.sessionId} alone: ${reason}`);
    return { deleted: [], failed: [], skipped: doomed.map((orphan) => ({ orphan, reason })) };
  }
  return deleteOrphans(cloud, sortForDeletion(doomed), { keyDirectory: options.keyDirectory, logger: options.logger, ...(options.signal ? { signal: options.signal } : {}) });
}
