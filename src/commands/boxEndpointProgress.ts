import * as vscode from 'vscode';
import type { BoxEndpoints } from '../attach/boxEndpoints';
import type { PortForwardRegistry } from '../core/attach/portForwardRegistry';
import type { Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import { UserCancelledError } from '../core/errors';
import type { Logger } from '../core/logging/logger';

/** What the commands that reach a box over SSH (attach, terminal, port forward, SSH command) share. */
export interface AttachDeps {
  readonly boxStore: BoxStore;
  /**
   * The box that carries this box's work now: itself, or its replacement after an interruption
   * (`recovering` while one is being prepared). Terminals follow it instead of closing.
   */
  readonly liveBoxOf?: (box: Box) => Promise<{ box?: Box; recovering: boolean }>;
  readonly endpoints: BoxEndpoints;
  readonly forwards: PortForwardRegistry;
  readonly userSshConfig: string;
  readonly logger: Logger;
}

/** Resolves the endpoint under a progress notification: the console may take a while. */
export async function preparedEndpoint(deps: AttachDeps, box: Box, title: string) {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    try {
      progress.report({ message: 'reading the host keys from the box console' });
      const endpoint = await deps.endpoints.endpointOf(box, { signal: controller.signal, onWaiting: (message) => progress.report({ message }) });
      if (controller.signal.aborted) {
        throw new UserCancelledError();
      }
      return endpoint;
    } finally {
      subscription.dispose();
    }
  });
}
