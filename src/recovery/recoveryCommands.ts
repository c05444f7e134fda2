import * as vscode from 'vscode';
import type { BoxStore } from '../core/boxes/boxStore';
import { connectEndpoint } from '../core/attach/connectEndpoint';
import { CheckpointStore } from '../core/checkpoint/checkpointStore';
import { SpotboxError, UserCancelledError } from '../core/errors';
import { checkpointNowOnBox, restoreOnBox, startSessionOnBox } from '../core/recovery/boxSessionOps';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { LineageRecord } from '../core/recovery/recoveryTypes';
import type { Box } from '../core/boxes/box';
import { boxFromArgumentOrPick } from '../commands/terminateBox';
import type { BoxEndpoints } from '../attach/boxEndpoints';

export interface RecoveryCommandDeps {
  readonly boxStore: BoxStore;
  readonly endpoints: BoxEndpoints;
  readonly lineages: LineageStore;
  readonly awsProfile: () => string | undefined;
}

async function lineageOf(deps: RecoveryCommandDeps, box: Box): Promise<LineageRecord> {
  const record = await deps.lineages.findByInstance(box.instanceId);
  if (!record?.checkpoint) {
    throw new SpotboxError(`${box.name} has no checkpoint settings, so there is nothing to save or restore.`, 'Add a "checkpoint" block (bucket, prefix) to .spotbox/profile.json and launch a new box.');
  }
  return record;
}

/** Spotbox: Checkpoint Now — asks the box's agent for a checkpoint and waits for its commit. */
export async function checkpointNowCommand(deps: RecoveryCommandDeps, argument: unknown): Promise<Record<string, unknown>> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Checkpoint which box?');
  await lineageOf(deps, box);
  const event = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checkpointing ${box.name} to S3` }, async (progress) => {
    progress.report({ message: 'asking the agent on the box' });
    const client = await connectEndpoint(await deps.endpoints.endpointOf(box));
    try {
      return await checkpointNowOnBox(client);
    } finally {
      client.end();
    }
  });
  const figure = (name: string): string => (typeof event[name] === 'number' || typeof event[name] === 'string' ? String(event[name]) : '?');
  const step = typeof event.step === 'number' ? ` at step ${event.step}` : '';
  void vscode.window.showInformationMessage(`Checkpoint ${figure('seq')} of ${box.name} committed${step}: ${figure('files')} files, ${figure('uploaded')} uploaded, ${figure('copied')} unchanged.`);
  return event;
}

/** Spotbox: Restore Checkpoint — pick a complete checkpoint in S3 and restore it onto the box. */
export async function restoreCheckpointCommand(deps: RecoveryCommandDeps, argument: unknown): Promise<void> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Restore a checkpoint onto which box?');
  const record = await lineageOf(deps, box);
  const store = new CheckpointStore(record.checkpoint!, { region: record.region, ...(deps.awsProfile() ? { profile: deps.awsProfile() } : {}) });
  const checkpoints = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Listing checkpoints of ${box.name}` }, () => store.listCheckpoints(record.lineage));
  if (checkpoints.length === 0) {
    throw new SpotboxError(`No complete checkpoint of ${box.name} is in s3://${record.checkpoint!.bucket}/${record.checkpoint!.prefix}/${record.lineage}/.`, 'Take one with Spotbox: Checkpoint Now.');
  }
  const picked = await vscode.window.showQuickPick(
    [...checkpoints].reverse().map((checkpoint) => ({
      label: `Checkpoint ${checkpoint.seq}`,
      description: `${checkpoint.step !== undefined ? `step ${checkpoint.step} · ` : ''}${checkpoint.reason} · ${new Date(checkpoint.createdAt).toLocaleString()}`,
      detail: `${checkpoint.files} files, ${(checkpoint.bytes / 1048576).toFixed(1)} MiB, from ${checkpoint.sourceInstance ?? 'unknown instance'}`,
      checkpoint,
    })),
    { title: `Restore onto ${box.name}`, placeHolder: 'Newest first; the files on the box are replaced by the checkpoint' },
  );
  if (!picked) {
    throw new UserCancelledError();
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Restoring checkpoint ${picked.checkpoint.seq} onto ${box.name}` }, async (progress) => {
    const client = await connectEndpoint(await deps.endpoints.endpointOf(box));
    try {
      progress.report({ message: 'downloading and checking every file' });
      await restoreOnBox(client, { seq: picked.checkpoint.seq, checkpointDir: record.checkpointDir, workspaceDir: record.workspaceDir });
      if (record.session) {
        progress.report({ message: 'starting the session' });
        await startSessionOnBox(client, { command: record.session.command, workingDir: record.session.workingDir ?? record.workspaceDir });
      }
    } finally {
      client.end();
    }
  });
  store.dispose();
  void vscode.window.showInformationMessage(`Restored checkpoint ${picked.checkpoint.seq} onto ${box.name}.`);
}
