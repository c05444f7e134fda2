import type { AzureClients } from '../core/azure/azureClients';
import type { Box } from '../core/boxes/box';
import type { ComputeClient } from '../core/gcp/computeClient';

export interface OtherCloudTerminationDeps {
  readonly gcpCompute: () => Promise<ComputeClient>;
  readonly azureClients: () => Promise<AzureClients>;
  readonly ownerId: string;
  readonly keyDirectory: string;
}

/**
 * Ends a box on Google Cloud or Azure with everything its launch made (Google: the instance or its
 * group, its template, firewall rule and key; Azure: the box's resource group and key), for Terminate
 * Box and idle stop alike. AWS boxes take terminateBox, which also weighs fleets and lineages.
 */
export async function terminateOnOtherCloud(box: Box & { cloud: 'gcp' | 'azure' }, deps: OtherCloudTerminationDeps): Promise<void> {
  if (box.cloud === 'gcp') {
    const { terminateGceBox } = await import('../core/gcp/gceTerminate');
    await terminateGceBox(await deps.gcpCompute(), box, { ownerId: deps.ownerId, keyDirectory: deps.keyDirectory });
    return;
  }
  const { terminateAzureBox } = await import('../core/azure/azureTerminate');
  await terminateAzureBox(await deps.azureClients(), box, { ownerId: deps.ownerId, keyDirectory: deps.keyDirectory });
}

/** What a terminate on that cloud deletes, said while it runs. */
export const TERMINATION_PROGRESS: Readonly<Record<'gcp' | 'azure', string>> = {
  gcp: 'deleting the instance, its disk and its firewall rule',
  azure: "deleting the box's resource group: its VM, disk, network and public IP",
};
