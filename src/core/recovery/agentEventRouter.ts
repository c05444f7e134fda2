import type { Box } from '../boxes/box';
import { dropUndefined } from '../dashboard/dropUndefined';
import type { Logger } from '../logging/logger';
import type { CommittedCheckpoint } from '../throughput/checkpointUploads';
import { numberField, timeField, type AgentEvent } from './agentEvents';
import type { BoxNotice, NoticeBoard } from './noticeBoard';
import { noticeAuthority, unconfirmedNoticeWarning, type NoticeVerdict } from './noticeConfirmation';
import type { InterruptionFacts } from './recoveryCoordinatorPorts';

export interface AgentEventTargets {
  readonly notices: NoticeBoard;
  /** Starts or joins the lineage's recovery (RecoveryCoordinator.recover). */
  readonly recover: (facts: InterruptionFacts) => Promise<unknown>;
  readonly noteStep: (instanceId: string, step: number) => Promise<void>;
  /** A notice the user has not seen yet: the editor shows it. */
  readonly announce: (box: Box, notice: BoxNotice) => void;
  /**
   * Asks EC2 whether the box really got a spot notice (NoticeChecks.confirm). The countdown, the
   * warning and the recovery wait for it. Absent (tests that drive a coordinator directly): routed
   * at once, and the coordinator's own check still stands between the line and any action.
   */
  readonly confirmNotice?: (box: Box, notice: { readonly noticeTime: number; readonly actionTime?: number }) => Promise<NoticeVerdict>;
  /** A notice EC2 did not confirm: shown as a note, nothing is done. */
  readonly noticeIgnored?: (box: Box, verdict: Extract<NoticeVerdict, { confirmed: false }>) => void;
  readonly checkpointCommitted?: (box: Box, event: AgentEvent) => void;
  /** The committed checkpoint's size and upload figures, for the throughput measurement. */
  readonly checkpointUpload?: (box: Box, committed: CommittedCheckpoint) => void;
  readonly logger: Logger;
}

/**
 * What each journal event of a box's agent means to the editor: an interruption notice EC2 confirms
 * starts the recovery at once (the replacement launches while the agent checkpoints), a rebalance
 * recommendation is only shown, and progress keeps the last known step for the "steps lost" figure.
 */
export function routeAgentEvent(box: Box, event: AgentEvent, targets: AgentEventTargets, now: number): void {
  switch (event.type) {
    case 'notice': {
      const actionTime = timeField(event, 'actionTime');
      const confirming = targets.confirmNotice?.(box, { noticeTime: event.time, ...(actionTime !== undefined ? { actionTime } : {}) }) ?? Promise.resolve(undefined);
      void confirming
        .then((verdict) => {
          if (verdict && !verdict.confirmed) {
            targets.logger.warn(unconfirmedNoticeWarning(box.name, box.instanceId, verdict, noticeAuthority(box.cloud)));
            targets.noticeIgnored?.(box, verdict);
            return;
          }
          routeConfirmedNotice(box, event, targets, now);
        })
        .catch((error: unknown) => targets.logger.error(`handling the notice of ${box.name} failed: ${error instanceof Error ? error.message : String(error)}`));
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
        targets.checkpointUpload?.(box, committedCheckpointOf(box, event));
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

/** A notice EC2 stands behind (or one no check was asked for): countdown, warning, and the recovery at once. */
function routeConfirmedNotice(box: Box, event: AgentEvent, targets: AgentEventTargets, now: number): void {
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
}

/** The upload figures of a `checkpoint-committed` event (resources/agent/README.md, Journal). */
export function committedCheckpointOf(box: Pick<Box, 'instanceId'>, event: AgentEvent): CommittedCheckpoint {
  const figures = {
    bytes: numberField(event, 'bytes'),
    uploadedBytes: numberField(event, 'uploadedBytes'),
    seconds: numberField(event, 'seconds'),
    reason: typeof event.fields.reason === 'string' ? event.fields.reason : undefined,
  };
  return { time: event.time, instanceId: box.instanceId, ...dropUndefined(figures) };
}
