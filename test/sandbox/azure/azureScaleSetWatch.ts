/**
 * What a user sees of an Azure Spot eviction with no editor open, measured: the trainer's log on the
 * evicted instance, the notice checkpoint in Blob storage, the scale set's new instance, its own
 * restore (its agent journal) and the trainer's log there. Only ARM, Blob storage and SSH are read;
 * nothing here acts on the box or the lineage, except asking the sandbox to evict. Runs inside the
 * child client (spotboxAzureClient.ts), which trusts the sandbox's CA.
 */
import type { Client } from 'ssh2';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import type { AzureClients } from '../../../src/core/azure/azureClients';
import { resolveAzureEndpoint } from '../../../src/core/azure/azureEndpoint';
import { waitForScaleSetReplacement } from '../../../src/core/azure/azureScaleSetReplacement';
import { BlobClient } from '../../../src/core/azure/blobClient';
import { parseResourceId } from '../../../src/core/azure/armResourceId';
import type { Box } from '../../../src/core/boxes/box';
import type { BootRestoreOutcome } from '../../../src/core/recovery/bootRestoreJournal';
import { resumedOnBox } from '../e2e/resumedOnBox';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { manifestNames, waitForNoticeCheckpoint } from '../../../src/core/recovery/noticeCheckpointReader';
import { blobContainer } from '../../../src/core/recoveryPorts/selfRestorePorts';

export interface AzureEviction {
  readonly evictedAt: number;
  /** When the manifest of the notice checkpoint was seen in Blob storage (epoch ms), and its step. */
  readonly checkpointAt: number;
  readonly checkpointStep?: number;
  /** From the evicted box's journal: when its agent committed the notice checkpoint, and when it then acknowledged the event. */
  readonly committedAt?: number;
  readonly acknowledgedAt?: number;
  /** "stopping at step N" in the evicted instance's log: where the trainer saved on SIGTERM. */
  readonly stoppedAt: number;
  readonly replacement: Box;
  readonly replacementRunningAt: number;
  readonly boot: BootRestoreOutcome;
  readonly resumedStep: number;
  readonly trainerLog: string;
  readonly oldId: string;
}

export interface EvictOptions {
  readonly clients: AzureClients;
  readonly keyDirectory: string;
  readonly blobEndpoint: string;
  readonly container: string;
  /** `<prefix>/<lineage>/` of the lineage's checkpoints. */
  readonly checkpointPrefix: string;
  /** Asks the sandbox to evict the VM (its control route). */
  readonly evict: (vmName: string, resourceGroup: string) => Promise<void>;
  readonly timeoutMs?: number;
}

export async function evictAndWatch(box: Box, options: EvictOptions): Promise<AzureEviction> {
  const { clients } = options;
  const timeoutMs = options.timeoutMs ?? 240_000;
  const id = parseResourceId(box.instanceId);
  const vm = id ? await clients.virtualMachines.get(id.resourceGroup, id.name) : undefined;
  const scaleSetId = vm?.properties.virtualMachineScaleSet?.id;
  if (!id || !vm || !scaleSetId) throw new Error(`${box.instanceId} is not a scale set's instance`);
  const blob = new BlobClient({ endpoint: options.blobEndpoint, credential: clients.storageCredential });
  const connect = async (target: Box, retries = 10): Promise<Client> => connectEndpoint(await resolveAzureEndpoint(clients, target, { keyDirectory: options.keyDirectory, defaultUser: 'azureuser' }), { retries });
  const read = async (client: Client, command: string): Promise<string> => (await runRemoteCommand(client, command)).stdout;
  const container = blobContainer(blob, options.container);

  // Earlier evictions' notice checkpoints are not this one's.
  const before = new Set(await manifestNames(container, options.checkpointPrefix));
  const evictedAt = Date.now();
  await options.evict(id.name, id.resourceGroup);
  // What the box's agent says 20 s into the notice, while the box is still there: if no checkpoint comes, it tells why.
  let found = false;
  const agentSaid = new Promise<string>((resolve) => setTimeout(() => {
    if (found) return resolve('');
    void connect(box, 2)
      .then((client) => read(client, 'tail -c 4000 ~/.spotbox/agent.log; echo ---; tail -c 3000 ~/.spotbox/journal.jsonl').finally(() => client.end()))
      .then(resolve, (error: unknown) => resolve(`(could not read the box: ${String(error)})`));
  }, 20_000));
  const manifest = await waitForNoticeCheckpoint(container, options.checkpointPrefix, { skip: before, timeoutMs: 40_000, intervalMs: 250 }).then((notice) => ({ step: notice.step, at: notice.seenAt })).catch(async (error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${await agentSaid}`);
  });
  found = true;
  // The trainer saved and stopped; the instance's sshd lives until the eviction (at NotBefore, or soon after the acknowledgement).
  const late = await connect(box, 3).catch(() => undefined);
  const [oldLog, oldJournal] = late ? await Promise.all([read(late, 'cat ~/trainer.log'), read(late, 'cat ~/.spotbox/journal.jsonl')]).finally(() => late.end()) : ['', ''];
  // The evicted box's own word on the order: the notice checkpoint committed, then the event acknowledged.
  const events = oldJournal.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { time: string; type: string; reason?: string });
  const committedAt = events.find((event) => event.type === 'checkpoint-committed' && event.reason === 'notice')?.time;
  const acknowledgedAt = events.find((event) => event.type === 'notice-acknowledged')?.time;
  const stoppedAt = Number(/stopping at step (\d+)/.exec(oldLog)?.[1] ?? NaN);

  const replacement = await waitForScaleSetReplacement(clients, scaleSetId, { knownIds: [vm.id], timeoutMs, intervalMs: 1_000 });
  const replacementRunningAt = Date.now();
  const next = await connect(replacement);
  try {
    const { boot, trainerLog, resumedStep } = await resumedOnBox(next, timeoutMs);
    return { evictedAt, checkpointAt: manifest.at, ...(committedAt ? { committedAt: Date.parse(committedAt) } : {}), ...(acknowledgedAt ? { acknowledgedAt: Date.parse(acknowledgedAt) } : {}), ...(manifest.step !== undefined ? { checkpointStep: manifest.step } : {}), stoppedAt, replacement, replacementRunningAt, boot, resumedStep, trainerLog, oldId: vm.id };
  } finally {
    next.end();
  }
}
