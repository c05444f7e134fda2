import * as vscode from 'vscode';
import { connectEndpoint } from '../../core/attach/connectEndpoint';
import type { BoxStore } from '../../core/boxes/boxStore';
import { createBoxTerminal } from '../../attach/boxTerminal';
import { preparedEndpoint, type AttachDeps } from '../boxEndpointProgress';
import { boxFromArgumentOrPick } from '../boxFromArgumentOrPick';

async function boxStillRunning(store: BoxStore, instanceId: string): Promise<boolean> {
  const boxes = await store.refresh();
  const box = boxes.find((candidate) => candidate.instanceId === instanceId);
  return box !== undefined && (box.state === 'running' || box.state === 'interrupting');
}

/** Spotbox: Open Terminal — a built-in terminal on the box that follows it to its replacement. */
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
