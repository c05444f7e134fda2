import { connectEndpoint } from '../attach/connectEndpoint';
import type { GcpClients } from '../gcp/gcpClients';
import { GceBoxSource } from '../gcp/gceBoxSource';
import { resolveGceEndpoint } from '../gcp/gceEndpoint';
import { launchGceProfile } from '../profileLaunch/launchGceProfile';
import { waitForBootRestore } from '../recovery/bootRestoreJournal';
import { gcsObjectSink } from './gcsObjectSink';
import type { CrossCloudLanding, LandingDeps } from './moveLineage';

export type GcpLandingDeps = LandingDeps<GcpClients>;

/**
 * Landing on Google Cloud: the checkpoint goes to the entry's Cloud Storage bucket, the box is the
 * profile's launch there (a managed instance group of one, so a preemption there is replaced too)
 * continuing the same lineage, and its journal says when it restored and resumed.
 */
export function gcpLanding(deps: GcpLandingDeps): CrossCloudLanding {
  let gcs: GcpClients['gcs'] | undefined;
  return {
    cloud: 'gcp',
    sink: (target) => {
      // The sink's first upload waits for the clients; the copy only asks for puts.
      return {
        url: `gs://${target.bucket}`,
        put: async (key, body, signal) => {
          gcs ??= (await deps.clients()).gcs;
          await gcsObjectSink(gcs, target.bucket).put(key, body, signal);
        },
      };
    },
    async launch(record, profile, signal) {
      const clients = await deps.clients();
      const result = await launchGceProfile(
        profile,
        { callerIp: await deps.callerIp(record), keyDirectory: deps.keyDirectory, owner: deps.owner, lineage: record.lineage, ...(deps.agentTuning ? { agentTuning: deps.agentTuning } : {}) },
        { compute: clients.compute, gcs: clients.gcs, agentSource: deps.agentSource },
        { logger: deps.logger, signal },
      );
      const { zone, name, machineType } = result.launched;
      return { cloud: 'gcp', region: zone.replace(/-[a-z]$/, ''), zone, instance: name, machineType };
    },
    async waitResumed(landed, profile, signal) {
      const clients = await deps.clients();
      const box = (await new GceBoxSource(async () => clients.compute, clients.project).listBoxes()).find((candidate) => candidate.instanceId === landed.instance);
      if (!box) throw new Error(`${landed.instance} is not listed in ${landed.zone} any more`);
      const client = await connectEndpoint(await resolveGceEndpoint(clients.compute, box, { keyDirectory: deps.keyDirectory, defaultUser: profile.sshUser, signal }), { retries: 8, signal });
      try {
        return await waitForBootRestore(client, { signal, timeoutMs: deps.resumeTimeoutMs ?? 10 * 60_000 });
      } finally {
        client.end();
      }
    },
  };
}
