import * as vscode from 'vscode';
import type { Box } from '../core/boxes/box';
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
