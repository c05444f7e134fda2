import type { EC2Client, FleetLaunchTemplateOverridesRequest, TagSpecification } from '@aws-sdk/client-ec2';
import { SpotboxError } from '../errors';
import type { Clock } from '../time/clock';
import { done, notYet, pollUntil, PollTimeoutError } from '../time/poll';
import type { AllocationStrategy } from './launchTypes';
import { isNoCapacityCode } from './noSpotCapacity';

type Ec2Module = typeof import('@aws-sdk/client-ec2');

export interface MaintainFleetSpec {
  readonly launchTemplateId: string;
  readonly overrides: FleetLaunchTemplateOverridesRequest[];
  readonly capacityType: 'spot' | 'on-demand';
  readonly allocationStrategy: AllocationStrategy;
  readonly tags: TagSpecification;
  /** Makes a retried CreateFleet the same fleet (EC2's idempotency token). */
  readonly clientToken: string;
}

/**
 * Creates an EC2 Fleet of type maintain with a target of one: EC2 replaces its box whenever it is
 * reclaimed (spot interruption, hard termination), from the same pools, with no editor open.
 * Lowering its target never terminates a box (no-termination): the editor raises it to 2 to launch
 * a replacement at the notice and lowers it back once that one is known, and the old box is left
 * for EC2 to reclaim.
 */
export async function createMaintainFleet(ec2: EC2Client, sdk: Ec2Module, spec: MaintainFleetSpec): Promise<string> {
  const output = await ec2.send(
    new sdk.CreateFleetCommand({
      Type: 'maintain',
      ClientToken: spec.clientToken,
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateId: spec.launchTemplateId, Version: '$Latest' }, Overrides: spec.overrides }],
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: spec.capacityType, ...(spec.capacityType === 'spot' ? { SpotTargetCapacity: 1 } : { OnDemandTargetCapacity: 1 }) },
      ...(spec.capacityType === 'spot' ? { SpotOptions: { AllocationStrategy: spec.allocationStrategy } } : {}),
      ExcessCapacityTerminationPolicy: 'no-termination',
      // A maintain fleet takes only fleet tags here; its instances get theirs from the launch template.
      TagSpecifications: [spec.tags],
    }),
  );
  if (!output.FleetId) {
    throw new SpotboxError('EC2 created no fleet and said no reason.', 'Try the launch again; if it repeats, see the Spotbox log.');
  }
  return output.FleetId;
}

export interface FleetInstance {
  readonly instanceId: string;
  readonly instanceType?: string;
}

/** The fleet's active instances (DescribeFleetInstances: pending and running ones). */
export async function fleetInstances(ec2: EC2Client, sdk: Ec2Module, fleetId: string): Promise<FleetInstance[]> {
  const instances: FleetInstance[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(new sdk.DescribeFleetInstancesCommand({ FleetId: fleetId, ...(token ? { NextToken: token } : {}) }));
    for (const active of page.ActiveInstances ?? []) {
      if (active.InstanceId) {
        instances.push({ instanceId: active.InstanceId, ...(active.InstanceType ? { instanceType: active.InstanceType } : {}) });
      }
    }
    token = page.NextToken;
  } while (token);
  return instances;
}

/** One pool a fleet could not use, as a line for the log and the user ("g5.xlarge us-east-1a: InsufficientInstanceCapacity ..."). */
export function poolErrorLine(error: { readonly LaunchTemplateAndOverrides?: { readonly Overrides?: { readonly InstanceType?: string; readonly AvailabilityZone?: string } }; readonly ErrorCode?: string; readonly ErrorMessage?: string }): string {
  const pool = error.LaunchTemplateAndOverrides?.Overrides;
  return `${pool?.InstanceType ?? '?'} ${pool?.AvailabilityZone ?? ''}: ${error.ErrorCode ?? ''} ${error.ErrorMessage ?? ''}`.replace(/\s+/g, ' ').trim();
}

/**
 * EC2's word that the fleet cannot launch for lack of Spot capacity: it is below its target
 * (activity "error") and every pool it last tried answered InsufficientInstanceCapacity. One line
 * per pool; undefined while the fleet is launching, fulfilled, or failing for another reason.
 */
export async function fleetOutOfCapacity(ec2: EC2Client, sdk: Ec2Module, fleetId: string): Promise<string[] | undefined> {
  const fleet = (await ec2.send(new sdk.DescribeFleetsCommand({ FleetIds: [fleetId] }))).Fleets?.[0];
  const errors = fleet?.Errors ?? [];
  if (fleet?.ActivityStatus !== 'error' || errors.length === 0 || !errors.every((error) => isNoCapacityCode(error.ErrorCode))) return undefined;
  return errors.map(poolErrorLine);
}

/** Why the fleet has launched nothing yet, as DescribeFleets reports it (one line per pool). */
export async function fleetErrors(ec2: EC2Client, sdk: Ec2Module, fleetId: string): Promise<string[]> {
  const described = await ec2.send(new sdk.DescribeFleetsCommand({ FleetIds: [fleetId] }));
  return (described.Fleets?.[0]?.Errors ?? []).map(poolErrorLine);
}

/**
 * Waits for the fleet's first instance, other than `except` (the box being replaced). A maintain
 * fleet keeps trying pools that refuse; after `timeoutMs` with nothing launched the caller gives
 * up, with the pools' errors.
 */
export async function waitForFleetInstance(
  ec2: EC2Client,
  sdk: Ec2Module,
  fleetId: string,
  options: {
    except?: readonly string[];
    timeoutMs: number;
    intervalMs?: number;
    signal?: AbortSignal;
    clock?: Clock;
    /** Asked after each look that found nothing: an error to end the wait with (the fleet cannot launch), or undefined to go on. */
    giveUp?: () => Promise<Error | undefined>;
  },
): Promise<FleetInstance | undefined> {
  try {
    return await pollUntil(
      async () => {
        const fresh = (await fleetInstances(ec2, sdk, fleetId)).find((instance) => !(options.except ?? []).includes(instance.instanceId));
        if (fresh) return done(fresh);
        const reason = await options.giveUp?.();
        if (reason) throw reason;
        return notYet('no instance yet');
      },
      {
        describe: `the fleet ${fleetId} to launch a box`,
        intervalMs: options.intervalMs ?? 1_000,
        timeoutMs: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      },
    );
  } catch (error) {
    if (error instanceof PollTimeoutError) {
      return undefined;
    }
    throw error;
  }
}

/** The fleet's target capacity now (DescribeFleets). */
export async function fleetTarget(ec2: EC2Client, sdk: Ec2Module, fleetId: string): Promise<number | undefined> {
  const described = await ec2.send(new sdk.DescribeFleetsCommand({ FleetIds: [fleetId] }));
  return described.Fleets?.[0]?.TargetCapacitySpecification?.TotalTargetCapacity;
}

/** Sets the fleet's target; lowering it never terminates a box (the fleet's excess policy). */
export async function setFleetTarget(ec2: EC2Client, sdk: Ec2Module, fleetId: string, target: number): Promise<void> {
  await ec2.send(
    new sdk.ModifyFleetCommand({ FleetId: fleetId, ExcessCapacityTerminationPolicy: 'no-termination', TargetCapacitySpecification: { TotalTargetCapacity: target } }),
  );
}
