import * as vscode from 'vscode';
import type { Box } from '../core/boxes/box';
import { connectEndpoint } from '../core/attach/connectEndpoint';
import { confirmBoxIdle, sampleBoxUse } from '../core/idle/boxUseCheck';
import type { BoxesFeature } from '../boxes/boxesFeature';
import type { CommandContext } from '../commands/registerCommand';
import type { BoxStore } from '../core/boxes/boxStore';
import { terminateBox } from '../core/boxes/terminateBox';
import { endIdleBox } from '../core/idle/endIdleBox';
import type { Logger } from '../core/logging/logger';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { Clock } from '../core/time/clock';
import { IdleStopper } from './idleStopper';

/**
 * Idle stop: boxes whose profile sets idleStopMinutes are terminated (spot boxes cannot be stopped)
 * after a warning once their agent reports them idle that long. Fed by registerRecovery, which
 * follows the agent journals: `onAgentEvent` of the returned stopper.
 */
export function registerIdleStop(
  context: vscode.ExtensionContext,
  deps: CommandContext & { boxStore: BoxStore; boxes: BoxesFeature; lineages: LineageStore; clock: Clock; logger: Logger },
): IdleStopper {
  const stopper = new IdleStopper({
    boxStore: deps.boxStore,
    lineages: deps.lineages,
    clock: deps.clock,
    logger: deps.logger,
    showLogs: deps.showLogs,
    end: (box, period) =>
      endIdleBox(
        box,
        {
          lineages: deps.lineages,
          terminate: async (target) => {
            if (target.cloud !== 'aws') {
              const { terminateOnOtherCloud } = await import('../boxes/terminateOnOtherClouds');
              await terminateOnOtherCloud({ ...target, cloud: target.cloud }, { gcpCompute: async () => (await deps.boxes.gcpClients()).compute, azureClients: deps.boxes.azureClients, ownerId: deps.boxes.ownerId, keyDirectory: deps.boxes.keyDirectory });
              return;
            }
            await terminateBox(deps.boxes.clients(), target, deps.boxes.ownerId);
          },
          // A Compute Engine box's firewall rule and key, an Azure box's resource group, went with it.
          release: async (target) => (target.cloud !== 'aws' ? undefined : deps.boxes.releaseLaunchResources(target)),
          confirmIdle: async (target) => {
            const alias = await deps.boxes.attach.aliases.aliasOf(target.instanceId).catch(() => undefined);
            return confirmBoxIdle({
              editorUse: () => editorUseOf(target, alias),
              sample: async () => {
                // A connection of its own, at decision time: not the journal tail's word.
                const client = await connectEndpoint(await deps.boxes.attach.endpoints.endpointOf(target), { retries: 2 });
                try {
                  return await sampleBoxUse(client);
                } finally {
                  client.end();
                }
              },
            });
          },
          logger: deps.logger,
        },
        period,
      ),
  });
  context.subscriptions.push(stopper, deps.boxStore.onDidChange((boxes) => stopper.sync(boxes)));
  return stopper;
}

/**
 * What this window itself has open on the box. Spotbox terminals and a Remote-SSH window are SSH
 * sessions the box's own count sees too; here they are known without asking the box. Port forwards
 * do not count, as for the agent: a forgotten tunnel must not keep a box billing (README, Idle stop).
 */
function editorUseOf(box: Box, alias: string | undefined): string[] {
  const uses: string[] = [];
  const terminals = vscode.window.terminals.filter((terminal) => terminal.name === `Spotbox: ${box.name}` && terminal.exitStatus === undefined);
  if (terminals.length > 0) {
    uses.push(`${terminals.length} Spotbox terminal${terminals.length === 1 ? '' : 's'} open on it`);
  }
  if (alias && vscode.env.remoteName === 'ssh-remote' && (vscode.workspace.workspaceFolders ?? []).some((folder) => folder.uri.authority === `ssh-remote+${alias}`)) {
    uses.push('this Remote-SSH window is open on it');
  }
  return uses;
}
