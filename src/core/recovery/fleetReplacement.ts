import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Logger } from '../logging/logger';
import { fleetInstances, fleetOutOfCapacity, fleetTarget, setFleetTarget, waitForFleetInstance } from '../launch/maintainFleet';
import { NoSpotCapacityError } from '../launch/noSpotCapacity';
import type { ReplacementBox } from './recoveryCoordinatorPorts';
import type { LineageRecord, RecoveryRun } from './recoveryTypes';

type Ec2Module = typeof import('@aws-sdk/client-ec2');

/**
 * A notice this close to its action time is left to the fleet: a box launched beside the old one
 * could meet the fleet's own replacement of it (two boxes for one lineage).
 */
export const RAISE_MIN_LEAD_MS = 30_000;

export interface FleetReplacementOptions {
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How long to wait for the fleet's box (after a loss EC2 replaces within minutes). */
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /**
   * With a lineage that may move to another cloud: how long after the wait begins EC2's word that
   * the fleet has no Spot capacity (fleetOutOfCapacity) ends the wait with a NoSpotCapacityError.
   * Not at once: the fleet must have tried after the raise. Without it the fleet is waited for.
   */
  readonly noCapacityAfterMs?: number;
}

/**
 * The replacement of a fleet lineage's box comes from its fleet, never from a launch beside it, so
 * there is only ever one box per lineage. At a notice with time to spare, the window raises the
 * fleet's target to 2, which launches the replacement at once (resumed before the old box is
 * gone), and lowers it back to 1 as soon as that box is known: with the fleet's no-termination
 * policy nothing is ended, and when EC2 reclaims the old box the fleet already meets its target.
 * After a loss (or a late notice) the fleet replaces the box by itself; the window only finds it.
 */
export async function fleetReplacement(ec2: EC2Client, sdk: Ec2Module, record: LineageRecord, run: RecoveryRun, options: FleetReplacementOptions): Promise<ReplacementBox> {
  const fleetId = record.fleetId!;
  const now = options.now ?? Date.now;
  const known = [...record.instanceIds, run.interruptedInstanceId];
  const already = (await fleetInstances(ec2, sdk, fleetId)).find((instance) => !known.includes(instance.instanceId));
  const lead = run.timeline.actionTime !== undefined ? run.timeline.actionTime - now() : undefined;
  const raise = !already && run.trigger !== 'lost' && lead !== undefined && lead > RAISE_MIN_LEAD_MS;
  if (raise) {
    options.logger.info(`raising the fleet ${fleetId} of ${record.boxName} to 2 for the replacement, ${Math.round(lead / 1000)} s before the old box goes`);
    await setFleetTarget(ec2, sdk, fleetId, 2);
  }
  const waitFrom = now();
  const giveUp =
    options.noCapacityAfterMs === undefined
      ? undefined
      : async (): Promise<Error | undefined> => {
          if (now() - waitFrom < options.noCapacityAfterMs!) return undefined;
          const lines = await fleetOutOfCapacity(ec2, sdk, fleetId);
          return lines ? new NoSpotCapacityError(record.region, lines) : undefined;
        };
  try {
    const found =
      already ??
      (await waitForFleetInstance(ec2, sdk, fleetId, {
        except: known,
        timeoutMs: options.timeoutMs ?? 15 * 60_000,
        ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
        signal: options.signal,
        ...(giveUp ? { giveUp } : {}),
      }));
    if (!found) {
      throw new Error(`The fleet ${fleetId} launched no replacement for ${record.boxName}; see its history in the EC2 console (Spot Requests, Fleets).`);
    }
    const described = await ec2.send(new sdk.DescribeInstancesCommand({ InstanceIds: [found.instanceId] }));
    const instance = described.Reservations?.[0]?.Instances?.[0];
    return {
      instanceId: found.instanceId,
      instanceType: instance?.InstanceType ?? found.instanceType ?? '',
      ...(instance?.Placement?.AvailabilityZone ? { availabilityZone: instance.Placement.AvailabilityZone } : {}),
      lifecycle: instance?.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
      ...(instance?.LaunchTime ? { launchedAt: instance.LaunchTime.getTime() } : {}),
    };
  } finally {
    // Even when the wait failed, and whoever raised it (a window that closed mid-raise leaves it at 2
    // for the next to find): a fleet above 1 would keep a second box for the lineage.
    await lowerToOne(ec2, sdk, fleetId, raise, options.logger);
  }
}

async function lowerToOne(ec2: EC2Client, sdk: Ec2Module, fleetId: string, raised: boolean, logger: Logger): Promise<void> {
  try {
    if (raised || ((await fleetTarget(ec2, sdk, fleetId)) ?? 1) > 1) {
      await setFleetTarget(ec2, sdk, fleetId, 1);
    }
  } catch (error) {
    logger.error(`lowering the fleet ${fleetId} back to 1 failed: ${String(error)}; it may keep two boxes`);
  }
}

/**
 * One box per lineage: once the run has resumed, any other box of the fleet (neither the current
 * one nor the interrupted one EC2 is about to reclaim) is terminated; at target 1 the fleet does
 * not replace it.
 */
export async function terminateExtraFleetBoxes(ec2: EC2Client, sdk: Ec2Module, record: LineageRecord, keep: readonly string[], logger: Logger): Promise<string[]> {
  const extra = (await fleetInstances(ec2, sdk, record.fleetId!)).map((instance) => instance.instanceId).filter((id) => !keep.includes(id));
  if (extra.length > 0) {
    logger.warn(`the fleet of ${record.boxName} runs ${extra.join(', ')} beside ${record.currentInstanceId}; terminating them (one box per lineage)`);
    await ec2.send(new sdk.TerminateInstancesCommand({ InstanceIds: extra }));
  }
  return extra;
}
