import * as vscode from 'vscode';
import type { Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import { connectEndpoint, resolveRemoteDirectory } from '../core/attach/connectEndpoint';
import type { PortForwardRegistry } from '../core/attach/portForwardRegistry';
import { sshCommandLine } from '../core/attach/sshCommandLine';
import { SpotboxError, UserCancelledError } from '../core/errors';
import type { Logger } from '../core/logging/logger';
import { forwardPort } from '../core/ssh/portForward';
import { boxFromArgumentOrPick } from '../commands/terminateBox';
import type { BoxEndpoints } from './boxEndpoints';
import { createBoxTerminal } from './boxTerminal';
import { openRemoteSshWindow, remoteSshInstalled, REMOTE_SSH_EXTENSION } from './remoteSshWindow';

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
async function preparedEndpoint(deps: AttachDeps, box: Box, title: string) {
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

async function boxStillRunning(store: BoxStore, instanceId: string): Promise<boolean> {
  const boxes = await store.refresh();
  const box = boxes.find((candidate) => candidate.instanceId === instanceId);
  return box !== undefined && (box.state === 'running' || box.state === 'interrupting');
}

export async function openTerminalCommand(deps: AttachDeps, argument: unknown): Promise<vscode.Terminal> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Open a terminal on which box?');
  const endpoint = await preparedEndpoint(deps, box, `Opening a terminal on ${box.name}`);
  const follow = deps.liveBoxOf;
  const terminal = createBoxTerminal(box, {
    connect: async () => {
      if (!follow) {
        return connectEndpoint(endpoint);
      }
      const live = await follow(box);
      if (!live.box) {
        throw new Error(live.recovering ? 'the replacement box is being prepared' : 'the box is gone');
      }
      return connectEndpoint(live.box.instanceId === box.instanceId ? endpoint : await deps.endpoints.endpointOf(live.box));
    },
    boxAlive: async () => {
      if (!follow) {
        return boxStillRunning(deps.boxStore, box.instanceId);
      }
      const live = await follow(box);
      return live.box !== undefined || live.recovering;
    },
  });
  terminal.show();
  return terminal;
}

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

export async function copySshCommand(deps: AttachDeps, argument: unknown): Promise<string> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Copy the SSH command of which box?');
  await preparedEndpoint(deps, box, `Preparing SSH to ${box.name}`);
  const alias = await deps.endpoints.aliases.aliasOf(box.instanceId);
  const command = sshCommandLine(deps.endpoints.aliases.files.config, alias ?? '');
  await vscode.env.clipboard.writeText(command);
  void vscode.window.showInformationMessage(`Copied: ${command}`);
  return command;
}

const COMMON_PORTS = [
  { port: 6006, label: 'TensorBoard' },
  { port: 8888, label: 'Jupyter' },
  { port: 8265, label: 'Ray dashboard' },
  { port: 5000, label: 'MLflow' },
];

async function pickRemotePort(box: Box): Promise<number> {
  const items = [
    ...COMMON_PORTS.map((entry) => ({ label: String(entry.port), description: entry.label, port: entry.port })),
    { label: 'Other port…', description: '', port: 0 },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Forward a port of ${box.name}`, placeHolder: 'The port a server on the box listens on' });
  if (!picked) {
    throw new UserCancelledError();
  }
  if (picked.port !== 0) {
    return picked.port;
  }
  const typed = await vscode.window.showInputBox({
    title: `Forward a port of ${box.name}`,
    prompt: 'Port on the box (1-65535)',
    validateInput: (value) => (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535 ? undefined : 'A port number from 1 to 65535'),
  });
  if (!typed) {
    throw new UserCancelledError();
  }
  return Number(typed);
}

/** Forwards a local port to the box (like `ssh -L`); the forward closes when the box goes. */
export async function forwardPortCommand(deps: AttachDeps, argument: unknown, requestedPort?: unknown): Promise<string> {
  const box = await boxFromArgumentOrPick(deps.boxStore, argument, 'Forward a port of which box?');
  const remotePort = typeof requestedPort === 'number' && Number.isInteger(requestedPort) && requestedPort > 0 && requestedPort < 65536 ? requestedPort : await pickRemotePort(box);
  const existing = deps.forwards.find(box.instanceId, remotePort);
  if (existing) {
    void announce(existing.url, box, remotePort);
    return existing.url;
  }
  const endpoint = await preparedEndpoint(deps, box, `Forwarding port ${remotePort} of ${box.name}`);
  const forward = await forwardPort({
    connect: () => connectEndpoint(endpoint),
    remotePort,
    onClose: () => deps.forwards.closed(box.instanceId, remotePort, forward),
  });
  const info = deps.forwards.add(box.instanceId, box.name, remotePort, forward);
  deps.logger.info(`forwarding ${info.url} to port ${remotePort} of ${box.name}`);
  void announce(info.url, box, remotePort);
  return info.url;
}

async function announce(url: string, box: Box, remotePort: number): Promise<void> {
  const open = 'Open in Browser';
  const copy = 'Copy URL';
  const choice = await vscode.window.showInformationMessage(`Port ${remotePort} of ${box.name} is at ${url}`, open, copy);
  if (choice === open) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
  } else if (choice === copy) {
    await vscode.env.clipboard.writeText(url);
  }
}
