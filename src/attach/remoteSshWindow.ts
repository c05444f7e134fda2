import * as vscode from 'vscode';
import { ensureIncludeLine } from '../core/attach/includeLine';
import type { SpotboxSshFiles } from '../core/attach/sshAliasRegistry';

export const REMOTE_SSH_EXTENSION = 'ms-vscode-remote.remote-ssh';

export function remoteSshInstalled(): boolean {
  return vscode.extensions.getExtension(REMOTE_SSH_EXTENSION) !== undefined;
}

/**
 * Opens `vscode-remote://ssh-remote+<alias>/<dir>` in a new window. Remote-SSH resolves the alias
 * through the user's SSH config, so that config must include Spotbox's file: asked, never assumed.
 * Returns false when the user declined.
 */
export async function openRemoteSshWindow(alias: string, remoteDirectory: string, files: SpotboxSshFiles, userConfigPath: string): Promise<boolean> {
  const outcome = await ensureIncludeLine(userConfigPath, files.config, async () => {
    const add = 'Add Include Line';
    const answer = await vscode.window.showWarningMessage(
      `Remote-SSH finds ${alias} through your SSH config. Add one line to ${userConfigPath}?`,
      {
        modal: true,
        detail: `Spotbox adds "Include ${files.config}" at the top of your file and changes nothing else. That file holds only Spotbox's boxes (one Host spotbox-… block each, host keys pinned).`,
      },
      add,
    );
    return answer === add;
  });
  if (outcome === 'declined') {
    return false;
  }
  const uri = vscode.Uri.from({ scheme: 'vscode-remote', authority: `ssh-remote+${alias}`, path: remoteDirectory });
  await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
  return true;
}
