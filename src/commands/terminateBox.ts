import * as vscode from 'vscode';
import { isBillable, type Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import { UserCancelledError } from '../core/errors';
import { knownBoxOf } from './boxArgument';

/** The box a command was invoked on: the tree node it came from (checked against the store), or one the user picks. */
export async function boxFromArgumentOrPick(store: BoxStore, argument: unknown, placeholder: string): Promise<Box> {
  const known = knownBoxOf(store.boxes, argument);
  if (known) {
    return known;
  }
  const candidates = store.boxes.filter((box) => box.state !== 'terminated');
  if (candidates.length === 0) {
    throw new UserCancelledError();
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((box) => ({ label: box.name, description: `${box.instanceType} · ${box.region} · ${box.state}`, detail: box.instanceId, box })),
    { placeHolder: placeholder },
  );
  if (!picked) {
    throw new UserCancelledError();
  }
  return picked.box;
}

export async function terminateBoxCommand(store: BoxStore, terminate: (box: Box) => Promise<void>, argument: unknown, release?: (box: Box) => Promise<void>): Promise<void> {
  const box = await boxFromArgumentOrPick(store, argument, 'Terminate which box?');
  const confirm = 'Terminate';
  const answer = await vscode.window.showWarningMessage(
    `Terminate ${box.name} (${box.instanceId}, ${box.instanceType} in ${box.region})?`,
    { modal: true, detail: `Its disk is deleted with it: anything not checkpointed to S3 or pushed is lost.${isBillable(box) ? '' : ` The box is ${box.state}.`}` },
    confirm,
  );
  if (answer !== confirm) {
    throw new UserCancelledError();
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Terminating ${box.name}` }, async (progress) => {
    await terminate(box);
    await store.refresh();
    if (release) {
      progress.report({ message: 'removing its key pair, security group and launch template' });
      await release(box);
    }
  });
}
