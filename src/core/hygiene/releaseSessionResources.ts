import { TAGS } from '../aws/spotboxTags';
import type { Logger } from '../logging/logger';
import { deleteOrphans } from './deleteOrphans';
import type { HygieneCloud, Orphan, SweepResult } from './orphanTypes';

/**
 * Removes everything one launch created (its instance, launch template, key pair with the local
 * key file, security group), found by the launch's `spotbox:session` tag. Terminating a box or
 * replacing it after an interruption ends here, so neither leaves orphans for a sweep.
 */
export async function releaseSessionResources(cloud: HygieneCloud, options: { region: string; sessionId: string; keyDirectory: string; logger: Logger; signal?: AbortSignal }): Promise<SweepResult> {
  const resources = (await cloud.listTagged(options.region)).filter((resource) => resource.tags[TAGS.session] === options.sessionId);
  const doomed: Orphan[] = resources.map((resource) => ({
    kind: resource.kind,
    id: resource.id,
    ...(resource.name ? { name: resource.name } : {}),
    region: resource.region,
    sessionId: options.sessionId,
    ...(resource.tags[TAGS.box] ? { boxName: resource.tags[TAGS.box] } : {}),
    ...(resource.createdAt !== undefined ? { createdAt: resource.createdAt } : {}),
    reason: 'its box was terminated',
  }));
  const order: Record<Orphan['kind'], number> = { instance: 0, 'launch-template': 1, 'key-pair': 2, 'security-group': 3 };
  doomed.sort((a, b) => order[a.kind] - order[b.kind]);
  return deleteOrphans(cloud, doomed, { keyDirectory: options.keyDirectory, logger: options.logger, ...(options.signal ? { signal: options.signal } : {}) });
}
