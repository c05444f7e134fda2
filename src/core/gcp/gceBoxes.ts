import type { GcpClients } from './gcpClients';
import { GceBoxSource } from './gceBoxSource';

/**
 * The Google Cloud half of the tree over the chosen configuration's clients, with spot prices from
 * the Billing Catalog; a failed price read leaves the box unpriced rather than failing the list.
 */
export function gceBoxSourceOver(clients: GcpClients): GceBoxSource {
  const spotPrice = async (region: string, machineType: string): Promise<number | undefined> =>
    (await clients.billing.prices([machineType], [region])).prices.get(machineType)?.get(region)?.spotUsdPerHour;
  return new GceBoxSource(async () => clients.compute, clients.project, spotPrice);
}
