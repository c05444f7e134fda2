import type { Box } from '../boxes/box';
import type { Logger } from '../logging/logger';
import { numberField, timeField, type AgentEvent } from './agentEvents';
import type { BoxNotice, NoticeBoard } from './noticeBoard';
import type { InterruptionFacts } from './recoveryCoordinator';

export interface AgentEventTargets {
  readonly notices: NoticeBoard;
  /** Starts or joins the lineage's recovery (RecoveryCoordinator.recover). */
  readonly recover: (facts: InterruptionFacts) => Promise<unknown>;
  readonly noteStep: (instanceId: string, step: number) => Promise<void>;
  /** A notice the user has not seen yet: the editor shows it. */
  readonly announce: (box: Box, notice: BoxNotice) => void;
  readonly checkpointCommitted?: (box: Box, event: AgentEvent) => void;
  readonly logger: Logger;
}

/**
 * What each journal event of a box's agent means to the editor: an interruption notice starts the
 * recovery at once (the replacement launches while the agent checkpoints), a rebalance
 * recommendation is only shown, and progress keeps the last known step for the "steps lost" figure.
 */
export function routeAgentEvent(box: Box, event: AgentEvent, targets: AgentEventTargets, now: number): void {
  switch (event.type) {
    case 'notice': {
      const notice: BoxNotice = {
        instanceId: box.instanceId,
        kind: 'interruption',
        receivedAt: event.time,
        ...(timeField(event, 'actionTime') !== undefined ? { actionTime: timeField(event, 'actionTime') } : {}),
        ...(typeof event.fields.action === 'string' ? { action: event.fields.action } : {}),
      };
      if (targets.notices.post(notice)) {
        // A notice replayed from the journal of a box already past its action time is history.
        if (notice.actionTime === undefined || notice.actionTime > now - 60_000) {
          targets.announce(box, notice);
        }
      }
      void targets
        .recover({ instanceId: box.instanceId, instanceType: box.instanceType, availabilityZone: box.availabilityZone, noticeTime: event.time, ...(notice.actionTime !== undefined ? { actionTime: notice.actionTime } : {}) })
        .catch((error: unknown) => targets.logger.error(`recovery of ${box.name} failed to start: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    case 'rebalance': {
      const notice: BoxNotice = { instanceId: box.instanceId, kind: 'rebalance', receivedAt: timeField(event, 'noticeTime') ?? event.time };
      if (targets.notices.post(notice)) {
        targets.announce(box, notice);
      }
      return;
    }
    case 'progress':
    case 'checkpoint-committed': {
      const step = numberField(event, 'step');
      if (step !== undefined) {
        void targets.noteStep(box.instanceId, step).catch(() => undefined);
      }
      if (event.type === 'checkpoint-committed') {
        targets.checkpointCommitted?.(box, event);
      }
      return;
    }
    case 'checkpoint-failed':
      targets.logger.warn(`checkpoint on ${box.name} failed: ${typeof event.fields.error === 'string' ? event.fields.error : 'unknown reason'}`);
      return;
    default:
      return;
  }
}
