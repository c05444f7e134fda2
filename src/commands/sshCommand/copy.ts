import * as vscode from 'vscode';
import { sshCommandLine } from '../../core/attach/sshCommandLine';
import { preparedEndpoint, type AttachDeps } from '../boxEndpointProgress';
import { boxFromArgumentOrPick } from '../boxFromArgumentOrPick';

/** Spotbox: Copy SSH Command — the `ssh -F … <alias>` line for the box, on the clipboard. */
export async function copySshCommand(deps: AttachDeps, argument: unknown): Promise<string> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Copy the SSH command of which box?');
  await preparedEndpoint(deps, box, `Preparing SSH to ${box.name}`);
  const alias = await deps.endpoints.aliases.aliasOf(box.instanceId);
  const command = sshCommandLine(deps.endpoints.aliases.files.config, alias ?? '');
  await vscode.env.clipboard.writeText(command);
  void vscode.window.showInformationMessage(`Copied: ${command}`);
  return command;
}
