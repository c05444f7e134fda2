import type { EC2Client } from '@aws-sdk/client-ec2';

/** EC2's own tag on every instance an EC2 Fleet launched; users can neither set nor remove it. */
export const FLEET_ID_TAG = 'aws:ec2:fleet-id';

/**
 * DeleteFleets with TerminateInstances: the fleet stops launching and EC2 terminates its instances.
 * EC2 answers per fleet rather than with an error: a refusal is thrown here as an error named like
 * EC2's error codes; a fleet already gone or already being deleted as InvalidFleetId.NotFound.
 */
export async function deleteFleetWithInstances(ec2: EC2Client, fleetId: string): Promise<void> {
  const { DeleteFleetsCommand, DescribeFleetsCommand } = await import('@aws-sdk/client-ec2');
  const answer = await ec2.send(new DeleteFleetsCommand({ FleetIds: [fleetId], TerminateInstances: true }));
  const refused = (answer.UnsuccessfulFleetDeletions ?? []).find((failure) => failure.FleetId === fleetId) ?? answer.UnsuccessfulFleetDeletions?.[0];
  if (refused || !(answer.SuccessfulFleetDeletions ?? []).some((deleted) => deleted.FleetId === fleetId)) {
    let state: string | undefined;
    if (refused?.Error?.Code === 'fleetNotInDeletableState') {
      // Gone only if EC2 says the fleet is being deleted already; any other state would still launch.
      state = (await ec2.send(new DescribeFleetsCommand({ FleetIds: [fleetId] })).catch(() => undefined))?.Fleets?.[0]?.FleetState;
    }
    throw fleetDeletionError(fleetId, refused?.Error?.Code, refused?.Error?.Message, state);
  }
}

export function fleetDeletionError(fleetId: string, code: string | undefined, message: string | undefined, state?: string): Error {
  const gone = code === 'fleetIdDoesNotExist' || (code === 'fleetNotInDeletableState' && state?.startsWith('deleted') === true);
  const error = new Error(`EC2 did not delete fleet ${fleetId}: ${message ?? code ?? 'it is not in the answer'}`);
  error.name = gone ? 'InvalidFleetId.NotFound' : (code ?? 'FleetNotDeleted');
  return error;
}
