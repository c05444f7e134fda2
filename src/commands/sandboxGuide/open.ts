import * as vscode from 'vscode';

/** Spotbox: Open Sandbox Guide — the bundled guide to the offline sandbox cloud, as a Markdown preview. */
export async function openSandboxGuideCommand(extensionUri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(extensionUri, 'resources', 'docs', 'sandbox-guide.md'));
}
