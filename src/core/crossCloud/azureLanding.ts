import { connectEndpoint } from '../attach/connectEndpoint';
import { parseResourceId } from '../azure/armResourceId';
import { AzureBoxSource } from '../azure/azureBoxSource';
import { resolveCheckpointAccount } from '../azure/azureCheckpointAccount';
import type { AzureClients } from '../azure/azureClients';
import { resolveAzureEndpoint } from '../azure/azureEndpoint';
import { BlobClient } from '../azure/blobClient';
import type { Box } from '../boxes/box';
import { SpotboxError } from '../errors';
import { launchAzureProfile } from '../profileLaunch/launchAzureProfile';
import { waitForBootRestore } from '../recovery/bootRestoreJournal';
import { blobObjectSink } from './blobObjectSink';
import type { CrossCloudLanding, LandingDeps } from './moveLineage';
import type { ObjectSink } from './objectStores';

export type AzureLandingDeps = LandingDeps<AzureClients>;

/**
 * Landing on Azure: the checkpoint goes to the entry's Blob container (`account/container`, the
 * account found through ARM, so the copy writes where the box will read), the box is the profile's
 * launch there (a Spot scale set of one with Try & Restore, so an eviction there is restored too)
 * continuing the same lineage, and its journal says when it restored and resumed. The launch's own
 * rollback removes a half-made box (group, set, role assignment, key) before the error is reported.
 */
export function azureLanding(deps: AzureLandingDeps): CrossCloudLanding {
  return {
    cloud: 'azure',
    sink: (target) => {
      const [account, container] = target.bucket.split('/');
      // The first upload finds the account's Blob endpoint through ARM; the copy only asks for puts.
      let sink: Promise<ObjectSink> | undefined;
      const open = async (): Promise<ObjectSink> => {
        const clients = await deps.clients();
        const found = await resolveCheckpointAccount(clients, target.bucket);
        return blobObjectSink(new BlobClient({ endpoint: found.blobEndpoint, credential: clients.storageCredential }), container);
      };
      return {
        url: `the Blob container ${container} of the storage account ${account}`,
        put: async (key, body, signal) => {
          sink ??= open();
          sink.catch(() => (sink = undefined));
          await (await sink).put(key, body, signal);
        },
      };
    },
    async launch(record, profile, signal) {
      const clients = await deps.clients();
      const result = await launchAzureProfile(
        profile,
        { callerIp: await deps.callerIp(record), keyDirectory: deps.keyDirectory, owner: deps.owner, lineage: record.lineage, ...(deps.agentTuning ? { agentTuning: deps.agentTuning } : {}) },
        { azure: clients, agentSource: deps.agentSource },
        { logger: deps.logger, signal },
      );
      const { location, vmSize, vm } = result.launched;
      // Azure has no zone in this launch: the location stands for it, as the tree shows an Azure box.
      return { cloud: 'azure', region: location, zone: location, instance: vm.name, machineType: vmSize };
    },
    async waitResumed(landed, profile, signal) {
      const clients = await deps.clients();
      const boxes = await new AzureBoxSource(async () => clients, clients.subscriptionId).listBoxes();
      const box = landedBoxIn(boxes, landed.instance);
      if (!box) {
        throw new SpotboxError(`${landed.instance} is not listed in Azure (${landed.region}) any more.`, `Look for its scale set in the Azure portal; its checkpoint is in ${profile.checkpoint?.bucket ?? 'the container'} under the same prefix.`);
      }
      const client = await connectEndpoint(await resolveAzureEndpoint(clients, box, { keyDirectory: deps.keyDirectory, defaultUser: profile.sshUser, signal }), { retries: 8, signal });
      try {
        return await waitForBootRestore(client, { signal, timeoutMs: deps.resumeTimeoutMs ?? 10 * 60_000 });
      } finally {
        client.end();
      }
    },
  };
}

/**
 * The landed VM by name; else the instance its scale set restored in its place (a Flexible set names
 * its instances `<set>_<suffix>`, and the box's launch name is the set's).
 */
function landedBoxIn(boxes: readonly Box[], instance: string): Box | undefined {
  const byName = boxes.find((box) => parseResourceId(box.instanceId)?.name === instance);
  const launch = instance.replace(/_[^_]+$/, '');
  return byName ?? boxes.find((box) => box.keyName === launch && box.state === 'running');
}
