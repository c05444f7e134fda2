import { createGcpClients, type GcpClientsOptions } from './gcpClients';
import { toGceError } from './gceErrors';
import { LABELS, labelFilter } from './gceLabels';

export interface GcpConnection {
  readonly configuration: string;
  readonly project: string;
  /** Where the credentials came from, as the user would name it (a key file, the ADC file, ...). */
  readonly credentials: string;
  /** Spotbox boxes the project has now. */
  readonly boxes: number;
}

/**
 * Proves a gcloud configuration with the one call the tree makes (Spotbox's instances over every
 * zone), so a broken login or a project without Compute Engine is found when the user picks it, with
 * its reason and next step, not at the first launch.
 */
export async function checkGcpConnection(options: GcpClientsOptions & { readonly configuration: string }): Promise<GcpConnection> {
  const clients = await createGcpClients(options);
  try {
    const { instances } = await clients.compute.aggregatedListInstances(labelFilter({ [LABELS.managed]: 'true' }));
    return { configuration: clients.config.configuration, project: clients.project, credentials: clients.auth.describeSource(), boxes: instances.length };
  } catch (error) {
    throw toGceError(error, { action: `Trying the gcloud configuration "${options.configuration}"`, project: clients.project });
  }
}
