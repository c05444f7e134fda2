import * as vscode from 'vscode';
import { connectEndpoint } from '../../core/attach/connectEndpoint';
import { CheckpointStore } from '../../core/checkpoint/checkpointStore';
import { SpotboxError, UserCancelledError } from '../../core/errors';
import { restoreOnBox, startSessionOnBox } from '../../core/recovery/boxSessionOps';
import { boxFromArgumentOrPick } from '../boxFromArgumentOrPick';
import { checkpointLineageOf, type CheckpointCommandDeps } from './checkpointLineage';

/** Spotbox: Restore Checkpoint — pick a complete checkpoint in S3 and restore it onto the box. */
export async function restoreCheckpointCommand(deps: CheckpointCommandDeps, argument: unknown): Promise<void> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Restore a checkpoint onto which box?');
  const record = await checkpointLineageOf(deps, box);
  const store = new CheckpointStore(record.checkpoint!, { region: record.region, ...(deps.awsProfile() ? { profile: deps.awsProfile() } : {}), ...(record.accountId ? { expectedBucketOwner: record.accountId } : {}) });
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
