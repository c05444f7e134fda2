import type { ComputeClient } from './computeClient';
import type { Instance } from './computeTypes';
import { GcpApiError } from './gcpApiError';
import { GceError, toGceError } from './gceErrors';
import { buildBoxFirewall, type BoxFirewallSpec } from './gceFirewallRequest';
import { buildSpotInstance, type GceSpotBoxSpec } from './gceInstanceRequest';

/** One place to try: a zone and a machine type (with its N1 GPUs). */
export interface SpotPlacement {
  readonly zone: string;
  readonly machineType: string;
  readonly accelerator?: GceSpotBoxSpec['accelerator'];
}

export interface SpotLaunchOptions {
  /** Epoch ms; each placement's operation is waited for until then. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** Told before each placement is tried, e.g. for a progress line. */
  readonly onAttempt?: (placement: SpotPlacement) => void;
}

export interface SpotLaunchResult {
  readonly instance: Instance;
  readonly placement: SpotPlacement;
  /** Placements that had no capacity, in the order tried. */
  readonly skipped: ReadonlyArray<{ readonly placement: SpotPlacement; readonly reason: string }>;
}

/**
 * Creates the Spot box in the first placement with capacity: insert, wait for the operation, read the
 * instance back. No capacity (ZONE_RESOURCE_POOL_EXHAUSTED[_WITH_DETAILS], a 503, or an instance
 * that appeared and was gone again) moves on to the next placement; any other failure (quota,
 * permission, a bad request) stops, since another zone would fail the same way.
 */
export async function launchSpotInstance(compute: ComputeClient, base: Omit<GceSpotBoxSpec, 'zone' | 'machineType' | 'accelerator' | 'project'>, placements: readonly SpotPlacement[], options: SpotLaunchOptions): Promise<SpotLaunchResult> {
  const skipped: Array<{ placement: SpotPlacement; reason: string }> = [];
  for (const placement of placements) {
    options.signal?.throwIfAborted();
    options.onAttempt?.(placement);
    const action = `Creating ${base.name} (${placement.machineType}) in ${placement.zone}`;
    try {
      const body = buildSpotInstance({ ...base, project: compute.project, zone: placement.zone, machineType: placement.machineType, ...(placement.accelerator ? { accelerator: placement.accelerator } : {}) });
      const operation = await compute.insertInstance(placement.zone, body, options.signal ? { signal: options.signal } : {});
      await compute.waitForOperation(operation, { deadline: options.deadline, ...(options.signal ? { signal: options.signal } : {}) });
      const instance = await compute.getInstance(placement.zone, base.name, options.signal ? { signal: options.signal } : {});
      if (!instance || instance.status === 'TERMINATED' || instance.status === 'STOPPING') {
        skipped.push({ placement, reason: 'the instance was created and taken back at once' });
        continue;
      }
      return { instance, placement, skipped };
    } catch (error) {
      const user = toGceError(error, { action, project: compute.project, zone: placement.zone });
      if (user instanceof GceError && user.problem === 'no-capacity') {
        skipped.push({ placement, reason: user.message });
        continue;
      }
      throw user;
    }
  }
  const where = placements.map((placement) => `${placement.machineType} in ${placement.zone}`).join(', ');
  throw new GceError('no-capacity', `No spot capacity for ${base.name} in any place tried (${where || 'none given'}).`, 'Try again later, or allow more zones, regions or machine types.');
}

/**
 * The box's SSH rule (tcp:22 from the caller's address only), created and waited for. A rule of that
 * name already there counts as made (a retried launch). Returns the undo for the launch's rollback.
 */
export async function createBoxFirewall(compute: ComputeClient, spec: BoxFirewallSpec, options: { deadline: number; signal?: AbortSignal }): Promise<() => Promise<void>> {
  const rule = buildBoxFirewall(spec);
  const call = options.signal ? { signal: options.signal } : {};
  try {
    const operation = await compute.insertFirewall(rule, call);
    await compute.waitForOperation(operation, { deadline: options.deadline, ...call });
  } catch (error) {
    if (!(error instanceof GcpApiError && error.httpStatus === 409)) throw toGceError(error, { action: `Creating the firewall rule ${rule.name}`, project: compute.project });
  }
  return () => deleteBoxFirewall(compute, rule.name, { deadline: Date.now() + 120_000 });
}

/** Deletes a box's rule and waits for it; a rule already gone is fine. */
export async function deleteBoxFirewall(compute: ComputeClient, name: string, options: { deadline: number; signal?: AbortSignal }): Promise<void> {
  const call = options.signal ? { signal: options.signal } : {};
  try {
    const operation = await compute.deleteFirewall(name, call);
    await compute.waitForOperation(operation, { deadline: options.deadline, ...call });
  } catch (error) {
    if (error instanceof GcpApiError && error.httpStatus === 404) return;
    throw toGceError(error, { action: `Deleting the firewall rule ${name}`, project: compute.project });
  }
}

/** Deletes an instance and waits until Google has (its boot disk goes with it). */
export async function deleteInstanceAndWait(compute: ComputeClient, zone: string, name: string, options: { deadline: number; signal?: AbortSignal }): Promise<void> {
  const call = options.signal ? { signal: options.signal } : {};
  const operation = await compute.deleteInstance(zone, name, call);
  await compute.waitForOperation(operation, { deadline: options.deadline, ...call });
}
