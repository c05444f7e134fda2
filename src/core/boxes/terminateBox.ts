import { toUserError } from '../aws/awsErrors';
import { deleteFleetWithInstances, FLEET_ID_TAG } from '../aws/deleteFleet';
import type { Ec2ClientPool } from '../aws/ec2ClientPool';
import { TAGS } from '../aws/spotboxTags';
import { SpotboxError } from '../errors';
import type { Box } from './box';

/** What Terminate Box needs to know of an EC2 Fleet (DescribeFleets). */
export interface FleetOfBox {
  readonly fleetId: string;
  /** maintain, request or instant: only maintain fleets replace what is terminated. */
  readonly type: string;
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The cloud calls of a fleet-aware termination, per region; EC2 in production, a fake in unit tests. */
export interface BoxTerminationCloud {
  /** The instance's aws:ec2:fleet-id tag; fails with EC2's error when the instance does not exist. */
  fleetIdOf(region: string, instanceId: string): Promise<string | undefined>;
  /** undefined when EC2 no longer knows the fleet. */
  describeFleet(region: string, fleetId: string): Promise<FleetOfBox | undefined>;
  /** DeleteFleets with TerminateInstances; a fleet already gone fails as InvalidFleetId.NotFound. */
  deleteFleet(region: string, fleetId: string): Promise<void>;
  terminateInstance(region: string, instanceId: string): Promise<void>;
}

export type Termination = { readonly kind: 'instance' } | { readonly kind: 'fleet'; readonly fleetId: string };

/** The box is kept by a fleet this installation did not launch: terminating it would only bring a replacement. */
export class FleetNotOursError extends SpotboxError {
  constructor(box: Pick<Box, 'instanceId' | 'region'>, readonly fleetId: string) {
    super(
      `${box.instanceId} is kept running by EC2 Fleet ${fleetId} (type maintain), which was not launched from this Spotbox installation. Terminating the instance alone would make that fleet launch a replacement, so Spotbox left both alone.`,
      `If the fleet is yours, delete it together with its instances: aws ec2 delete-fleets --region ${box.region} --fleet-ids ${fleetId} --terminate-instances. Otherwise ask whoever launched it.`,
    );
    this.name = 'FleetNotOursError';
  }
}

const LIVE_FLEET_STATES = ['submitted', 'active', 'modifying'];
const GONE = /NotFound/;

/**
 * Terminates a box (spot instances cannot be stopped and started again like on-demand ones), on the
 * cloud's word rather than the editor's records: when the instance carries EC2's aws:ec2:fleet-id
 * tag and that fleet is a live maintain fleet, terminating the instance would make the fleet launch
 * a replacement behind the user's back. Then the fleet is deleted with its instances, but only when
 * it carries this installation's spotbox:owner and spotbox:managed=true; another's fleet is refused
 * (FleetNotOursError) and nothing is touched. Without `ownerId` no fleet counts as ours.
 */
export async function terminateBoxVia(cloud: BoxTerminationCloud, box: Pick<Box, 'instanceId' | 'region'>, ownerId: string | undefined): Promise<Termination> {
  const step = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw toUserError(error, { action, region: box.region });
    }
  };
  const fleetId = await step(`Looking up ${box.instanceId}`, () => cloud.fleetIdOf(box.region, box.instanceId));
  const fleet = fleetId ? await step(`Looking up fleet ${fleetId} of ${box.instanceId}`, () => cloud.describeFleet(box.region, fleetId)) : undefined;
  // Instant and request fleets, and deleted ones, launch nothing more: the instance alone goes.
  if (fleet && fleet.type === 'maintain' && LIVE_FLEET_STATES.includes(fleet.state)) {
    if (ownerId === undefined || fleet.tags[TAGS.managed] !== 'true' || fleet.tags[TAGS.owner] !== ownerId) {
      throw new FleetNotOursError(box, fleet.fleetId);
    }
    await step(`Deleting fleet ${fleet.fleetId} of ${box.instanceId}`, async () => {
      try {
        await cloud.deleteFleet(box.region, fleet.fleetId);
      } catch (error) {
        // Deleted meanwhile (another window): it launches nothing more either way.
        if (!GONE.test((error as { name?: string }).name ?? '')) throw error;
      }
    });
    // DeleteFleets terminates the fleet's instances; asking again covers one it no longer counted.
    await terminate(cloud, box, step);
    return { kind: 'fleet', fleetId: fleet.fleetId };
  }
  await terminate(cloud, box, step);
  return { kind: 'instance' };
}

async function terminate(cloud: BoxTerminationCloud, box: Pick<Box, 'instanceId' | 'region'>, step: <T>(action: string, call: () => Promise<T>) => Promise<T>): Promise<void> {
  await step(`Terminating ${box.instanceId}`, () => cloud.terminateInstance(box.region, box.instanceId));
}

/** terminateBoxVia through EC2 (the shared per-region clients). */
export async function terminateBox(clients: Ec2ClientPool, box: Pick<Box, 'instanceId' | 'region'>, ownerId?: string): Promise<Termination> {
  return terminateBoxVia(ec2TerminationCloud(clients), box, ownerId);
}

export function ec2TerminationCloud(clients: Ec2ClientPool): BoxTerminationCloud {
  return {
    async fleetIdOf(region, instanceId) {
      const { DescribeInstancesCommand } = await import('@aws-sdk/client-ec2');
      const answer = await (await clients.client(region)).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
      const instance = (answer.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).find((candidate) => candidate.InstanceId === instanceId);
      return instance?.Tags?.find((tag) => tag.Key === FLEET_ID_TAG)?.Value || undefined;
    },
    async describeFleet(region, fleetId) {
      const { DescribeFleetsCommand } = await import('@aws-sdk/client-ec2');
      try {
        const answer = await (await clients.client(region)).send(new DescribeFleetsCommand({ FleetIds: [fleetId] }));
        const fleet = (answer.Fleets ?? []).find((candidate) => candidate.FleetId === fleetId);
        if (!fleet) return undefined;
        const tags = Object.fromEntries((fleet.Tags ?? []).filter((tag) => tag.Key !== undefined).map((tag) => [tag.Key!, tag.Value ?? '']));
        return { fleetId, type: fleet.Type ?? '', state: fleet.FleetState ?? '', tags };
      } catch (error) {
        if (GONE.test((error as { name?: string }).name ?? '')) return undefined;
        throw error;
      }
    },
    async deleteFleet(region, fleetId) {
      await deleteFleetWithInstances(await clients.client(region), fleetId);
    },
    async terminateInstance(region, instanceId) {
      const { TerminateInstancesCommand } = await import('@aws-sdk/client-ec2');
      await (await clients.client(region)).send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    },
  };
}
