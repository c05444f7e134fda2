/**
 * What a user sees of a preemption on Google Cloud with no editor open, measured: the trainer's log
 * on the preempted VM, the notice checkpoint in Cloud Storage, the group's new VM, its own restore
 * (its agent journal) and the trainer's log there. Only Google's APIs and SSH are read; nothing
 * here acts on the box or the lineage. Shared by gceGroup.test.ts and bench:recovery --cloud gcp.
 */
import type { Client } from 'ssh2';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import type { Box } from '../../../src/core/boxes/box';
import type { GcpClients } from '../../../src/core/gcp/gcpClients';
import { groupOfInstance } from '../../../src/core/gcp/gceBoxGroup';
import { resolveGceEndpoint } from '../../../src/core/gcp/gceEndpoint';
import { waitForGroupReplacement } from '../../../src/core/gcp/gceGroupReplacement';
import type { BootRestoreOutcome } from '../../../src/core/recovery/bootRestoreJournal';
import { resumedOnBox } from '../e2e/resumedOnBox';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { manifestNames, waitForNoticeCheckpoint } from '../../../src/core/recovery/noticeCheckpointReader';
import { gcsBucket } from '../../../src/core/recoveryPorts/selfRestorePorts';

export interface GcpPreemption {
  readonly preemptedAt: number;
  /** When the manifest of the notice checkpoint was seen in the bucket (epoch ms), and its step. */
  readonly checkpointAt: number;
  readonly checkpointStep?: number;
  /** "stopping at step N" in the old VM's log: where the trainer saved on SIGTERM. */
  readonly stoppedAt: number;
  readonly replacement: Box;
  readonly replacementRunningAt: number;
  readonly boot: BootRestoreOutcome;
  /** The step the trainer on the new VM says it resumed at. */
  readonly resumedStep: number;
  readonly trainerLog: string;
  /** Google's ids of the preempted VM and its replacement. */
  readonly oldId: string;
  readonly newId?: string;
}

export interface PreemptOptions {
  readonly clients: GcpClients;
  readonly keyDirectory: string;
  readonly bucket: string;
  /** `<prefix>/<lineage>/` of the lineage's checkpoints. */
  readonly checkpointPrefix: string;
  /** Asks the sandbox to preempt the VM (its control route). */
  readonly preempt: (instanceName: string) => Promise<void>;
  readonly timeoutMs?: number;
}

export async function preemptAndWatch(box: Box, options: PreemptOptions): Promise<GcpPreemption> {
  const { clients } = options;
  const compute = clients.compute;
  const timeoutMs = options.timeoutMs ?? 240_000;
  const instance = await compute.getInstance(box.availabilityZone, box.instanceId);
  const group = groupOfInstance(instance?.metadata?.items);
  if (!instance?.id || !group) throw new Error(`${box.instanceId} is not a managed instance group's VM`);
  const connect = async (target: Box, retries = 10): Promise<Client> => connectEndpoint(await resolveGceEndpoint(compute, target, { keyDirectory: options.keyDirectory, defaultUser: 'ubuntu' }), { retries });
  const read = async (client: Client, command: string): Promise<string> => (await runRemoteCommand(client, command)).stdout;

  const bucket = gcsBucket(clients.gcs, options.bucket);
  // Earlier preemptions' notice checkpoints are not this one's.
  const before = new Set(await manifestNames(bucket, options.checkpointPrefix));
  const preemptedAt = Date.now();
  await options.preempt(box.instanceId);
  const notice = await waitForNoticeCheckpoint(bucket, options.checkpointPrefix, { skip: before, timeoutMs: 40_000, intervalMs: 250 });
  const manifest = { step: notice.step, at: notice.seenAt };
  // The soft off ended the trainer; sshd lives until the hard off 30 s after the notice.
  const late = await connect(box, 3);
  const oldLog = await read(late, 'cat ~/trainer.log').finally(() => late.end());
  const stoppedAt = Number(/stopping at step (\d+)/.exec(oldLog)?.[1] ?? NaN);

  const replacement = await waitForGroupReplacement(compute, group, { knownIds: [instance.id], timeoutMs, intervalMs: 1_000 });
  const replacementRunningAt = Date.now();
  const next = await connect(replacement);
  try {
    const { boot, trainerLog, resumedStep } = await resumedOnBox(next, timeoutMs);
    const now = await compute.getInstance(replacement.availabilityZone, replacement.instanceId);
    return { preemptedAt, checkpointAt: manifest.at, ...(manifest.step !== undefined ? { checkpointStep: manifest.step } : {}), stoppedAt, replacement, replacementRunningAt, boot, resumedStep, trainerLog, oldId: instance.id, ...(now?.id ? { newId: now.id } : {}) };
  } finally {
    next.end();
  }
}
