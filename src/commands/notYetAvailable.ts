import * as vscode from 'vscode';

/** Honest placeholder for a command whose feature has not shipped yet. */
export function notYetAvailable(feature: string): () => void {
  return () => {
    // Not awaited: the command is done once the user is told; the toast lives on its own.
    void vscode.window.showInformationMessage(
      `Spotbox: ${feature} is coming in a later version. Meanwhile, the sandbox guide shows what is planned.`,
    );
  };
}
