import { done, notYet, pollUntil, PollTimeoutError } from '../time/poll';
import type { ComputeClient } from './computeClient';
import type { Instance } from './computeTypes';
import { buildBoxGroup, deleteBoxGroup, deleteBoxTemplate, groupStatus, type GroupWaitStatus } from './gceBoxGroup';
import { GceError, GceOperationError, toGceError } from './gceErrors';
import { buildSpotTemplate, type GceSpotBoxSpec } from './gceInstanceRequest';
import type { SpotPlacement, SpotLaunchResult } from './gceSpotLaunch';
import { regionOfZone } from './gceZones';

export interface GroupLaunchOptions {
  /** Epoch ms; each operation is waited for until then. */
  readonly deadline: number;
  /** How long a region's group may try before Spotbox moves on to the next region (default 3 minutes). */
  readonly regionWaitMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** Every resource made is recorded here, before the next step. */
  readonly record: (description: string, undo: () => Promise<void>) => void;
  readonly onProgress?: (message: string) => void;
}

/**
 * Creates the box's template and a managed instance group of one in the first region whose zones
 * have capacity. A group tries its zones and machine types itself (and keeps trying); when it has
 * failed on every one of them, or after `regionWaitMs`, it is deleted and the next region is
 * tried. A quota failure stops at once: another zone of the project's region fails the same way.
 */
export async function launchSpotGroup(compute: ComputeClient, base: Omit<GceSpotBoxSpec, 'zone' | 'machineType' | 'accelerator' | 'project'>, placements: readonly SpotPlacement[], options: GroupLaunchOptions): Promise<SpotLaunchResult> {
  const { signal } = options;
  const call = signal ? { signal } : {};
  const report = (message: string): void => options.onProgress?.(message);
  const machineTypes = [...new Set(placements.map((placement) => placement.machineType))];
  const template = buildSpotTemplate({ ...base, project: compute.project, machineType: machineTypes[0] });

  report(`creating the instance template ${template.name}`);
  try {
    await compute.waitForOperation(await compute.insertInstanceTemplate(template, call), { deadline: options.deadline, ...call });
  } catch (error) {
    throw toGceError(error, { action: `Creating the instance template ${template.name}`, project: compute.project });
  }
  options.record(`instance template ${template.name}`, () => deleteBoxTemplate(compute, template.name, { deadline: Date.now() + 120_000 }));

  const skipped: Array<{ placement: SpotPlacement; reason: string }> = [];
  for (const region of [...new Set(placements.map((placement) => regionOfZone(placement.zone)))]) {
    signal?.throwIfAborted();
    const here = placements.filter((placement) => regionOfZone(placement.zone) === region);
    const zones = [...new Set(here.map((placement) => placement.zone))];
    const types = machineTypes.filter((type) => here.some((placement) => placement.machineType === type));
    report(`asking a managed instance group in ${region} for a Spot ${types.join(' or ')} (zones ${zones.join(', ')})`);
    const group = buildBoxGroup({ name: base.name, region, zones, machineTypes: types, boxName: base.labels.box });
    try {
      await compute.waitForOperation(await compute.insertRegionInstanceGroupManager(region, group, call), { deadline: options.deadline, ...call });
    } catch (error) {
      throw toGceError(error, { action: `Creating the managed instance group ${group.name} in ${region}`, project: compute.project });
    }
    const removeGroup = (): Promise<void> => deleteBoxGroup(compute, region, group.name, { deadline: Date.now() + 300_000 });
    options.record(`managed instance group ${group.name} in ${region}`, removeGroup);

    const outcome = await waitForGroupVm(compute, region, group.name, here.length, options);
    if (outcome.running) {
      const instance: Instance | undefined = await compute.getInstance(outcome.running.zone, outcome.running.name, call);
      if (instance) {
        const placement = here.find((candidate) => candidate.zone === outcome.running!.zone && instance.machineType?.endsWith(`/${candidate.machineType}`)) ?? here[0];
        return { instance, placement, skipped };
      }
    }
    if (outcome.quota) {
      // As the group reported it: toGceError reads the quota's name and region from Google's message.
      const failure = new GceOperationError(group.name, 'compute.instanceGroupManagers.createInstances', [{ code: outcome.quota.code, message: outcome.quota.message }]);
      throw toGceError(failure, { action: `Creating ${base.name} in ${region}`, project: compute.project, zone: zones[0] });
    }
    // No capacity anywhere in the region right now: the group goes, the next region is asked.
    report(`no Spot capacity in ${region}; removing its group`);
    for (const placement of here) skipped.push({ placement, reason: outcome.errors.at(-1) ?? 'no capacity' });
    await removeGroup();
  }
  const where = placements.map((placement) => `${placement.machineType} in ${placement.zone}`).join(', ');
  throw new GceError('no-capacity', `No spot capacity for ${base.name} in any place tried (${where || 'none given'}).`, 'Try again later, or allow more zones, regions or machine types.');
}

/** Until the group's VM runs, the group fails on a quota, or it has failed `placementCount` times (or time is up). */
async function waitForGroupVm(compute: ComputeClient, region: string, name: string, placementCount: number, options: GroupLaunchOptions): Promise<GroupWaitStatus> {
  let last: GroupWaitStatus = { errors: [] };
  try {
    return await pollUntil(
      async () => {
        last = await groupStatus(compute, region, name, options.signal);
        if (last.running || last.quota) return done(last);
        const capacityFailures = last.errors.filter((error) => /RESOURCE_POOL_EXHAUSTED|STOCKOUT/.test(error)).length;
        return capacityFailures >= placementCount ? done(last) : notYet(last.errors.at(-1) ?? 'the group is creating its VM');
      },
      {
        describe: `the VM of the managed instance group ${name}`,
        intervalMs: options.pollMs ?? 2_000,
        timeoutMs: options.regionWaitMs ?? 180_000,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (error) {
    if (error instanceof PollTimeoutError) return last;
    throw error;
  }
}
