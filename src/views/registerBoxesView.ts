import * as vscode from 'vscode';
import { BoxPoller } from '../core/boxes/boxPoller';
import type { BoxStore } from '../core/boxes/boxStore';
import type { Logger } from '../core/logging/logger';
import type { Clock } from '../core/time/clock';
import { BoxesTreeProvider } from './boxesTreeProvider';
import type { PortForwardRegistry } from '../core/attach/portForwardRegistry';
import type { NoticeBoard } from '../core/recovery/noticeBoard';
import type { CheckpointFitBoard } from '../core/throughput/checkpointFitBoard';

export const BOXES_VIEW_ID = 'spotbox.boxes';

export function registerBoxesView(
  context: vscode.ExtensionContext,
  deps: { boxStore: BoxStore; logger: Logger; clock: Clock; problems: () => readonly string[]; forwards?: PortForwardRegistry; notices?: NoticeBoard; checkpointFits?: CheckpointFitBoard },
): void {
  const provider = new BoxesTreeProvider(deps.boxStore, deps.clock, deps.forwards, deps.notices, deps.checkpointFits);
  const view = vscode.window.createTreeView(BOXES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: false });
  const poller = new BoxPoller(deps.boxStore, deps.clock, { fastMs: 3_000, slowMs: 60_000 }, deps.logger);
  const onChange = (): void => {
    void vscode.commands.executeCommand('setContext', 'spotbox.hasBoxes', deps.boxStore.boxes.length > 0);
    const problems = deps.problems();
    // Regions that could not be read are said above the tree, not hidden in the log.
    view.message = problems.length > 0 ? `Some regions could not be read: ${problems.join('; ')}` : undefined;
  };
  context.subscriptions.push(provider, view, poller, deps.boxStore.onDidChange(onChange));
  onChange();
  // Only fetch while someone looks at the view: a hidden sidebar costs no API calls.
  context.subscriptions.push(view.onDidChangeVisibility((event) => poller.setVisible(event.visible)));
  poller.setVisible(view.visible);
}
