import * as vscode from 'vscode';
import type { BoxStore } from '../core/boxes/boxStore';
import { registerSpotboxCommand, type CommandContext } from './registerCommand';

export interface CoreCommandDeps extends CommandContext {
  readonly boxStore: BoxStore;
  readonly extensionUri: vscode.Uri;
}

export function registerCoreCommands(context: vscode.ExtensionContext, deps: CoreCommandDeps): void {
  const register = (id: string, handler: (...args: unknown[]) => unknown): void => registerSpotboxCommand(context, deps, id, handler);

  register('spotbox.refresh', () =>
    vscode.window.withProgress({ location: { viewId: 'spotbox.boxes' }, title: 'Refreshing spot boxes' }, () => deps.boxStore.refresh()),
  );
  register('spotbox.showLog', () => deps.showLogs());
  register('spotbox.openSandboxGuide', () =>
    vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(deps.extensionUri, 'resources', 'docs', 'sandbox-guide.md')),
  );
}
