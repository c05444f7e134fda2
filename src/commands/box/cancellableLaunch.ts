import * as vscode from 'vscode';
import { isCancellation } from '../../core/errors';

/**
 * Runs a launch under a cancellable progress notification. A cancel aborts the launch's signal;
 * when it ends cancelled, what it created is gone by then (a rollback that fails is an error, not a
 * cancellation), and the user is told so.
 */
export async function withCancellableLaunch<T>(title: string, boxName: string, launch: (report: (message: string) => void, signal: AbortSignal) => Promise<T>): Promise<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    try {
      return await launch((message) => progress.report({ message }), controller.signal);
    } catch (error) {
      if (isCancellation(error)) {
        void vscode.window.showInformationMessage(`Launch of ${boxName} cancelled; nothing it created was left behind.`);
      }
      throw error;
    } finally {
      subscription.dispose();
    }
  });
}
