import * as vscode from 'vscode';
import { RemoteWindowFollower, spotboxAliasOfRemoteAuthority } from '../core/recovery/remoteWindowFollower';
import type { Logger } from '../core/logging/logger';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { LineageRecord } from '../core/recovery/recoveryTypes';

/** Another window may be the one driving the recovery, so the shared lineage files are read too. */
const POLL_MS = 3_000;

/**
 * In a Remote-SSH window on a Spotbox box: once a recovery has resumed the box's session on a
 * replacement, reopens this window, which Remote-SSH then resolves through the repointed alias to
 * the replacement. Nothing runs in any other window.
 */
export function reopenRemoteWindowOnReplacement(
  context: vscode.ExtensionContext,
  deps: { lineages: LineageStore; onDidChangeLineage: vscode.Event<LineageRecord>; logger: Logger },
): void {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const alias = folder?.uri.scheme === 'vscode-remote' ? spotboxAliasOfRemoteAuthority(folder.uri.authority) : undefined;
  if (!alias) {
    return;
  }
  const follower = new RemoteWindowFollower(alias);
  let reopening = false;
  const check = async (): Promise<void> => {
    const target = reopening ? undefined : follower.observe(await deps.lineages.list());
    if (!target) {
      return;
    }
    reopening = true;
    deps.logger.info(`${target.boxName} resumed on ${target.instanceId}; reopening this window on it`);
    void vscode.window.showInformationMessage(`Spotbox: ${target.boxName} was replaced after a spot interruption; reopening this window on ${target.instanceId}.`);
    await vscode.commands.executeCommand('workbench.action.reloadWindow');
  };
  const run = (): void => void check().catch((error: unknown) => deps.logger.warn(`following ${alias} for a replacement failed: ${String(error)}`));
  const timer = setInterval(run, POLL_MS);
  context.subscriptions.push(deps.onDidChangeLineage(run), { dispose: () => clearInterval(timer) });
  run();
}
