import * as vscode from 'vscode';
import { connectEndpoint } from '../../core/attach/connectEndpoint';
import type { Box } from '../../core/boxes/box';
import { UserCancelledError } from '../../core/errors';
import { forwardPort } from '../../core/ssh/portForward';
import { preparedEndpoint, type AttachDeps } from '../boxEndpointProgress';
import { boxFromArgumentOrPick } from '../boxFromArgumentOrPick';

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
