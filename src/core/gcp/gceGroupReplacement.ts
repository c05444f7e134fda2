import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { done, notYet, pollUntil } from '../time/poll';
import type { ComputeClient } from './computeClient';
import { boxFromGceInstance } from './gceBoxSource';
import { groupStatus } from './gceBoxGroup';

export interface GroupReplacementOptions {
  /** The ids (Google's numeric `id`) of the lineage's VMs so far: the replacement is none of them. */
  readonly knownIds: readonly string[];
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  readonly onWaiting?: (detail: string) => void;
}

/**
 * The VM a box's managed instance group made after the last one was preempted: running, and a new
 * machine (a new `id`; GCE's repair keeps the name). Read from Google only: the group, then the
 * instance. While the group cannot create it (no capacity anywhere it may go), its errors are
 * passed to `onWaiting`; the group keeps trying by itself.
 */
export async function waitForGroupReplacement(compute: ComputeClient, group: { readonly region: string; readonly name: string }, options: GroupReplacementOptions): Promise<Box> {
  return pollUntil(
    async () => {
      const status = await groupStatus(compute, group.region, group.name, options.signal);
      if (status.running) {
        const instance = await compute.getInstance(status.running.zone, status.running.name, options.signal ? { signal: options.signal } : {});
        if (instance?.id && !options.knownIds.includes(instance.id) && instance.status === 'RUNNING') return done(boxFromGceInstance(instance));
      }
      const detail = status.errors.at(-1) ?? 'the group is recreating its VM';
      options.onWaiting?.(detail);
      return notYet(detail);
    },
    {
      describe: `a new VM in the managed instance group ${group.name}`,
      intervalMs: options.intervalMs ?? 2_000,
      timeoutMs: options.timeoutMs ?? 30 * 60_000,
      timeoutError: (giveUp) =>
        new SpotboxError(
          `The managed instance group ${group.name} made no new VM in ${Math.round(giveUp.elapsedMs / 60_000)} minutes (last: ${giveUp.lastDetail ?? 'nothing reported'}).`,
          `It keeps trying by itself; see \`gcloud compute instance-groups managed list-errors ${group.name} --region ${group.region}\`.`,
        ),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}
