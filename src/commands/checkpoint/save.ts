import * as vscode from 'vscode';
import { connectEndpoint } from '../../core/attach/connectEndpoint';
import { checkpointNowOnBox } from '../../core/recovery/boxSessionOps';
import { boxFromArgumentOrPick } from '../boxFromArgumentOrPick';
import { requireCheckpointingBox, type CheckpointCommandDeps } from './checkpointLineage';
import { CLOUD_FACTS } from '../../core/cloud/clouds';

/** Spotbox: Checkpoint Now — asks the box's agent for a checkpoint and waits for its commit. */
export async function checkpointNowCommand(deps: CheckpointCommandDeps, argument: unknown): Promise<Record<string, unknown>> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Checkpoint which box?');
  await requireCheckpointingBox(deps, box);
  const event = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checkpointing ${box.name} to ${CLOUD_FACTS[box.cloud].objectStore}` }, async (progress) => {
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
  void vscode.window.showInformationMessage(`Checkpoint ${figure('seq')} of ${box.name} committed to ${CLOUD_FACTS[box.cloud].objectStore}${step}: ${figure('files')} files, ${figure('uploaded')} uploaded, ${figure('copied')} unchanged.`);
  return event;
}
