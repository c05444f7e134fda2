import type * as vscode from 'vscode';
import type { BoxesFeature } from '../boxes/registerBoxes';
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
          terminate: (target) => terminateBox(deps.boxes.clients(), target),
          release: deps.boxes.releaseLaunchResources,
        },
        period,
      ),
  });
  context.subscriptions.push(stopper, deps.boxStore.onDidChange((boxes) => stopper.sync(boxes)));
  return stopper;
}
