import * as vscode from 'vscode';
import { connectEndpoint, resolveRemoteDirectory } from '../../core/attach/connectEndpoint';
import { sshCommandLine } from '../../core/attach/sshCommandLine';
import { SpotboxError } from '../../core/errors';
import { openRemoteSshWindow, remoteSshInstalled, REMOTE_SSH_EXTENSION } from '../../attach/remoteSshWindow';
import { preparedEndpoint, type AttachDeps } from '../boxEndpointProgress';
import { boxFromArgumentOrPick } from '../boxFromArgumentOrPick';

/** Spotbox: Attach — a Remote-SSH window on the box's workspace, or the ways in without one. */
export async function attachCommand(deps: AttachDeps, argument: unknown): Promise<void> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Attach to which box?');
  const endpoint = await preparedEndpoint(deps, box, `Attaching to ${box.name}`);
  const alias = await deps.endpoints.aliases.aliasOf(box.instanceId);
  if (!alias) {
    throw new SpotboxError(`The SSH alias of ${box.name} could not be written.`, 'See the Spotbox log.');
  }
  // Connecting here first proves the pinned key and the login before Remote-SSH tries, and finds the
  // workspace's absolute path (the remote URI needs one).
  const client = await connectEndpoint(endpoint, { retries: 3 });
  let remoteDirectory: string;
  try {
    remoteDirectory = await resolveRemoteDirectory(client, endpoint.workspaceDir ?? '~');
  } finally {
    client.end();
  }
  const command = sshCommandLine(deps.endpoints.aliases.files.config, alias);
  deps.logger.info(`${box.name} is reachable as ${alias} (${command}), workspace ${remoteDirectory}`);
  if (remoteSshInstalled()) {
    if (await openRemoteSshWindow(alias, remoteDirectory, deps.endpoints.aliases.files, deps.userSshConfig)) {
      return;
    }
  }
  const install = 'Install Remote-SSH';
  const terminal = 'Open Terminal';
  const copy = 'Copy SSH Command';
  const reason = remoteSshInstalled()
    ? `Without the Include line Remote-SSH cannot find ${alias}.`
    : 'The Remote - SSH extension is not installed, so no remote window can open.';
  // Not awaited: the command is done; the choice acts on its own when the user makes it.
  void vscode.window
    .showInformationMessage(`${box.name} is ready as ${alias}. ${reason} Use the built-in terminal, or: ${command}`, ...(remoteSshInstalled() ? [] : [install]), terminal, copy)
    .then(async (choice) => {
      if (choice === install) {
        await vscode.commands.executeCommand('workbench.extensions.installExtension', REMOTE_SSH_EXTENSION);
      } else if (choice === terminal) {
        await vscode.commands.executeCommand('spotbox.openTerminal', { kind: 'box', box });
      } else if (choice === copy) {
        await vscode.env.clipboard.writeText(command);
      }
    });
}
