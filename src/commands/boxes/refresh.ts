import * as vscode from 'vscode';
import type { BoxStore } from '../../core/boxes/boxStore';
import { BOXES_VIEW_ID } from '../../views/registerBoxesView';

/** Spotbox: Refresh — reads the boxes again, with the progress shown on the Spot Boxes view. */
export async function refreshBoxesCommand(boxStore: BoxStore): Promise<void> {
  await vscode.window.withProgress({ location: { viewId: BOXES_VIEW_ID }, title: 'Refreshing spot boxes' }, () => boxStore.refresh());
}
