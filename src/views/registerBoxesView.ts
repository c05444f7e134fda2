import * as vscode from 'vscode';
import type { BoxStore } from '../core/boxes/boxStore';
import type { Logger } from '../core/logging/logger';
import { BoxesTreeProvider } from './boxesTreeProvider';

export const BOXES_VIEW_ID = 'spotbox.boxes';

export function registerBoxesView(context: vscode.ExtensionContext, deps: { boxStore: BoxStore; logger: Logger }): void {
  const provider = new BoxesTreeProvider(deps.boxStore);
  const view = vscode.window.createTreeView(BOXES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: false });
  const updateContext = (): void => {
    void vscode.commands.executeCommand('setContext', 'spotbox.hasBoxes', deps.boxStore.boxes.length > 0);
  };
  context.subscriptions.push(provider, view, deps.boxStore.onDidChange(updateContext));
  updateContext();
  // Only fetch while someone looks at the view: a hidden sidebar costs no API calls.
  context.subscriptions.push(
    view.onDidChangeVisibility((event) => {
      if (event.visible) {
        deps.boxStore.refresh().catch((error: unknown) => deps.logger.warn(`refresh failed: ${String(error)}`));
      }
    }),
  );
}
