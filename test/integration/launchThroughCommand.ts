import * as vscode from 'vscode';
import type { Box } from '../../src/core/boxes/box';
import { activeApi, waitFor } from './extensionHarness';

/**
 * Runs Spotbox: Launch a Spot Box with `profile` as the workspace's .spotbox/profile.json and
 * accepts the pre-flight's first (cheapest) choice, as a user pressing Enter would. `whilePicking`
 * sees each poll of the open QuickPick (for screenshots). Resolves to the running box.
 */
export async function launchThroughCommand(profile: Record<string, unknown>, whilePicking?: () => Promise<void>): Promise<Box> {
  const api = await activeApi();
  const folder = vscode.workspace.workspaceFolders![0].uri;
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, '.spotbox', 'profile.json'), new TextEncoder().encode(JSON.stringify(profile, null, 2)));
  let settled = false;
  const launching = Promise.resolve(vscode.commands.executeCommand('spotbox.launchBox')).finally(() => (settled = true));
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 700));
    await whilePicking?.();
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  await launching;
  const name = String(profile.name);
  await waitFor(() => api.boxStore.boxes.some((box) => box.name === name), `the launched box ${name} in the tree`, 30_000);
  const deadline = Date.now() + 60_000;
  let box = api.boxStore.boxes.find((candidate) => candidate.name === name)!;
  while (box.state !== 'running' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    box = (await api.boxStore.refresh()).find((candidate) => candidate.instanceId === box.instanceId) ?? box;
  }
  return box;
}
