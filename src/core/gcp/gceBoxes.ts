import { createGcpClients, type GcpClientsOptions } from './gcpClients';
import { GceBoxSource } from './gceBoxSource';

/**
 * The Google Cloud half of the tree, opened on first use (the editor loads this module lazily):
 * clients over the chosen gcloud configuration, and spot prices from the Billing Catalog, where a
 * failed price read leaves the box unpriced rather than failing the list.
 */
export async function openGceBoxSource(options: GcpClientsOptions): Promise<GceBoxSource> {
  const clients = await createGcpClients(options);
  const spotPrice = async (region: string, machineType: string): Promise<number | undefined> =>
    (await clients.billing.prices([machineType], [region])).prices.get(machineType)?.get(region)?.spotUsdPerHour;
  return new GceBoxSource(async () => clients.compute, clients.project, spotPrice);
}
