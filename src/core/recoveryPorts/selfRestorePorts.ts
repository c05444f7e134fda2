import type { BoxEndpoint } from '../attach/boxEndpoint';
import { sessionFolder } from '../checkpoint/checkpointLayout';
import { connectEndpoint } from '../attach/connectEndpoint';
import { TAGS } from '../aws/spotboxTags';
import { parseResourceId } from '../azure/armResourceId';
import type { VirtualMachine } from '../azure/armTypes';
import { powerStateOf } from '../azure/armVirtualMachines';
import type { AzureClients } from '../azure/azureClients';
import { resolveCheckpointAccount } from '../azure/azureCheckpointAccount';
import { waitForScaleSetReplacement } from '../azure/azureScaleSetReplacement';
import { BlobClient } from '../azure/blobClient';
import type { Box } from '../boxes/box';
import type { ComputeClient } from '../gcp/computeClient';
import type { Instance } from '../gcp/computeTypes';
import { groupOfInstance } from '../gcp/gceBoxGroup';
import { waitForGroupReplacement } from '../gcp/gceGroupReplacement';
import { CHECKPOINT_METADATA_KEY } from '../gcp/gceLabels';
import type { GcsClient } from '../gcp/gcsClient';
import { waitForBootRestore, type BootRestoreOutcome } from '../recovery/bootRestoreJournal';
import { parseCheckpointTag, type CheckpointPlace } from '../recovery/checkpointTag';
import { waitForNoticeCheckpoint, type ManifestBucket } from '../recovery/noticeCheckpointReader';
import type { NoticeVerdict } from '../recovery/noticeConfirmation';
import { confirmBeforeDeadline, confirmationDeadline } from '../recovery/selfRestoreConfirmation';
import type { SelfRestorePorts } from '../recovery/selfRestoreFollower';
import { backgroundPause } from '../time/backgroundPause';
import { done, notYet, pollUntil } from '../time/poll';

/** How long the agent gets to commit the notice checkpoint: the notice is 30 s, the bucket may trail it. */
const CHECKPOINT_WAIT_MS = 5 * 60_000;

export interface SelfRestoreWiring {
  /** The box's SSH endpoint, resolved afresh (a recreated GCE VM keeps its name but not its host keys). */
  readonly endpointOf: (box: Box, signal: AbortSignal) => Promise<BoxEndpoint>;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What Compute Engine says of a preempted VM: STOPPING at the notice, then TERMINATED (or recreated by its group). */
export function gcePreemptionVerdict(name: string, instance: Instance | undefined, noticeTime: number): NoticeVerdict {
  if (!instance) return { confirmed: true, evidence: `${name} is gone from Compute Engine` };
  if (instance.scheduling?.provisioningModel !== 'SPOT' && instance.scheduling?.preemptible !== true) {
    return { confirmed: false, reason: 'on-demand', detail: `${name} is not a Spot VM, which gets no preemption` };
  }
  const created = instance.creationTimestamp ? Date.parse(instance.creationTimestamp) : NaN;
  if (created > noticeTime) return { confirmed: true, evidence: `${name} was recreated by its group after the notice` };
  if (instance.status === 'STOPPING' || instance.status === 'TERMINATED') return { confirmed: true, evidence: `${name} is ${instance.status}` };
  return { confirmed: false, reason: 'not-marked', detail: `${name} is ${instance.status ?? 'in an unknown state'}` };
}

/** What ARM says of an evicted VM: stopping or deleting from the eviction on, then gone (eviction policy Delete). */
export function azureEvictionVerdict(name: string, vm: VirtualMachine | undefined): NoticeVerdict {
  if (!vm) return { confirmed: true, evidence: `${name} is gone from ARM` };
  if (vm.properties.priority !== 'Spot' && vm.properties.priority !== 'Low') return { confirmed: false, reason: 'on-demand', detail: `${name} is not a Spot VM, which gets no eviction` };
  if (vm.properties.provisioningState === 'Deleting') return { confirmed: true, evidence: `${name} is being deleted` };
  const power = powerStateOf(vm);
  if (power === 'stopping' || power === 'stopped' || power === 'deallocating' || power === 'deallocated') return { confirmed: true, evidence: `${name} is ${power}` };
  return { confirmed: false, reason: 'not-marked', detail: `${name} is ${power ?? vm.properties.provisioningState ?? 'in an unknown state'}` };
}

/** Google Cloud: the box is a managed instance group's VM, its checkpoints in Cloud Storage. */
export function gceSelfRestorePorts(compute: ComputeClient, gcs: GcsClient, wiring: SelfRestoreWiring): SelfRestorePorts {
  const now = wiring.now ?? Date.now;
  const sleep = wiring.sleep ?? backgroundPause;
  const instanceOf = (box: Box, signal?: AbortSignal): Promise<Instance | undefined> => compute.getInstance(box.availabilityZone, box.instanceId, signal ? { signal } : {});
  // The group's VM (old or recreated) carries the launch's metadata; between the two there may be none.
  const present = (box: Box, signal: AbortSignal): Promise<Instance> =>
    pollUntil(async () => {
      const instance = await instanceOf(box, signal);
      return instance ? done(instance) : notYet(`${box.instanceId} is being recreated`);
    }, { describe: `${box.instanceId} in Compute Engine`, intervalMs: 2_000, timeoutMs: CHECKPOINT_WAIT_MS, signal });
  return {
    confirm: (box, notice) => confirmBeforeDeadline(async () => gcePreemptionVerdict(box.instanceId, await instanceOf(box), notice.noticeTime), confirmationDeadline(notice), { now, sleep }),
    async noticeCheckpoint(box, since, signal) {
      const instance = await present(box, signal);
      const place = parseCheckpointTag(instance.metadata?.items?.find((item) => item.key === CHECKPOINT_METADATA_KEY)?.value, 'gcp');
      const found = requirePlace(box, place);
      return waitForNoticeCheckpoint(gcsBucket(gcs, found.bucket), sessionFolder(found.prefix, box.lineage!), { since, now, signal, timeoutMs: CHECKPOINT_WAIT_MS });
    },
    async replacement(box, noticeTime, signal) {
      const instance = await present(box, signal);
      const group = groupOfInstance(instance.metadata?.items);
      if (!group) throw new Error(`${box.instanceId} is no managed instance group's VM`);
      const old = instance.id && !(Date.parse(instance.creationTimestamp ?? '') > noticeTime) ? [instance.id] : [];
      return waitForGroupReplacement(compute, group, { knownIds: old, signal });
    },
    bootRestore: (replacement, signal) => bootRestoreOverSsh(wiring, replacement, signal),
  };
}

/** Azure: the box is a Flexible Spot scale set's instance (Try & Restore), its checkpoints in Blob storage. */
export function azureSelfRestorePorts(clients: AzureClients, wiring: SelfRestoreWiring): SelfRestorePorts {
  const now = wiring.now ?? Date.now;
  const sleep = wiring.sleep ?? backgroundPause;
  // The set is named as the launch (the box's key name) and lives in the box's resource group.
  const scaleSetOf = async (box: Box, signal?: AbortSignal) => {
    const id = parseResourceId(box.instanceId);
    const set = id && box.keyName ? await clients.scaleSets.get(id.resourceGroup, box.keyName, signal) : undefined;
    if (!set) throw new Error(`${box.instanceId} is no scale set's instance`);
    return set;
  };
  return {
    confirm: (box, notice) =>
      confirmBeforeDeadline(async () => {
        const id = parseResourceId(box.instanceId);
        if (!id) return { confirmed: false, reason: 'unknown-instance', detail: `${box.instanceId} is not a VM id` };
        return azureEvictionVerdict(id.name, await clients.virtualMachines.get(id.resourceGroup, id.name));
      }, confirmationDeadline(notice), { now, sleep }),
    async noticeCheckpoint(box, since, signal) {
      const set = await scaleSetOf(box, signal);
      const place = requirePlace(box, parseCheckpointTag(set.tags?.[TAGS.checkpoint], 'azure'));
      const account = await resolveCheckpointAccount(clients, place.bucket, signal);
      const blob = new BlobClient({ endpoint: account.blobEndpoint, credential: clients.storageCredential });
      return waitForNoticeCheckpoint(blobContainer(blob, account.container), sessionFolder(place.prefix, box.lineage!), { since, now, signal, timeoutMs: CHECKPOINT_WAIT_MS });
    },
    async replacement(box, _noticeTime, signal) {
      return waitForScaleSetReplacement(clients, (await scaleSetOf(box, signal)).id, { knownIds: [box.instanceId], signal });
    },
    bootRestore: (replacement, signal) => bootRestoreOverSsh(wiring, replacement, signal),
  };
}

/** A Cloud Storage bucket as the notice checkpoint reader lists and reads it. */
export function gcsBucket(gcs: GcsClient, bucket: string): ManifestBucket {
  return {
    names: async (prefix, signal) => (await gcs.list(bucket, prefix, signal ? { signal } : {})).objects.map((object) => object.name),
    read: (name, signal) => gcs.readText(bucket, name, signal),
  };
}

/** A Blob container, the same way. */
export function blobContainer(blob: BlobClient, container: string): ManifestBucket {
  return { names: (prefix, signal) => blob.listBlobs(container, prefix, signal), read: async (name, signal) => (await blob.getBlob(container, name, signal))?.toString('utf8') };
}

function requirePlace(box: Box, place: CheckpointPlace | undefined): CheckpointPlace {
  if (!place || !box.lineage) throw new Error(`${box.name} was launched without a recorded checkpoint bucket (${TAGS.checkpoint}); launch it again to get its timeline`);
  return place;
}

async function bootRestoreOverSsh(wiring: SelfRestoreWiring, box: Box, signal: AbortSignal): Promise<BootRestoreOutcome> {
  const client = await connectEndpoint(await wiring.endpointOf(box, signal), { retries: 10, signal });
  try {
    return await waitForBootRestore(client, { signal });
  } finally {
    client.end();
  }
}
