import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import type { Logger } from '../core/logging/logger';
import { callerPublicIp } from '../core/network/callerIp';
import { numberField, type AgentEvent } from '../core/recovery/agentEvents';
import { routeAgentEvent } from '../core/recovery/agentEventRouter';
import { ec2NoticeChecks } from '../core/recovery/ec2NoticeCloud';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { NoticeBoard } from '../core/recovery/noticeBoard';
import { isActive, RecoveryCoordinator, type RecoveryPorts } from '../core/recovery/recoveryCoordinator';
import type { LineageRecord } from '../core/recovery/recoveryTypes';
import type { Clock } from '../core/time/clock';
import type { UsageEventRecorder } from '../core/dashboard/usageTypes';
import { recordCheckpointUpload } from '../core/throughput/recordCheckpointUpload';
import { tooBigForNoticeMessage } from '../core/throughput/noticeFitText';
import type { BoxesFeature } from '../boxes/boxesFeature';
import type { CommandContext } from '../commands/registerCommand';
import type { SettingsReader } from '../config/settingsReader';
import { InterruptionWatcher } from './interruptionWatcher';
import { RecoveryNotifications } from './recoveryNotifications';

export interface RecoveryFeature {
  readonly coordinator: RecoveryCoordinator;
  /** Fires whenever a lineage record changes (for tests and the dashboard). */
  readonly onDidChangeLineage: vscode.Event<LineageRecord>;
  /** Shows a lineage's recovery timeline (Spotbox: Show Recovery Timeline, commandRegistry.ts). */
  readonly showTimeline: (record: LineageRecord | undefined) => Promise<void>;
}

/**
 * Interruption notices and automatic resume: follows every box's agent journal, shows notices as
 * they arrive, and drives the RecoveryCoordinator on a notice or when a box is lost without one.
 */
export function registerRecovery(
  context: vscode.ExtensionContext,
  deps: CommandContext & {
    boxStore: BoxStore;
    boxes: BoxesFeature;
    lineages: LineageStore;
    notices: NoticeBoard;
    clock: Clock;
    logger: Logger;
    settings: SettingsReader;
    /** The cost dashboard's ledger: interruptions and epochs per box. */
    usage: UsageEventRecorder;
    /** Every journal event of every box, for features other than recovery (idle stop). */
    onAgentEvent?: (box: Box, event: AgentEvent) => void;
  },
): RecoveryFeature {
  const changed = new vscode.EventEmitter<LineageRecord>();
  const notifications = new RecoveryNotifications();
  const awsProfile = (): string | undefined => deps.settings.settings.awsProfile || undefined;
  // One check per notice, whether the router (countdown, warning) or the coordinator (actions) asks.
  const noticeChecks = ec2NoticeChecks(deps.boxes.clients);
  // The ports (launcher, checkpoint store, session ops) are bundled apart and loaded when a recovery
  // first needs one (esbuild.mjs). Their settings are still read now, as before.
  const s3Profile = awsProfile();
  const ports = lazyPorts(async () =>
    (await import('../core/recovery/cloudRecoveryPorts')).cloudRecoveryPorts({
      noticeChecks,
      clients: deps.boxes.clients,
      endpointOf: (box, signal) => deps.boxes.attach.endpoints.endpointOf(box, { signal }),
      releaseLaunchResources: deps.boxes.releaseLaunchResources,
      ownerId: deps.boxes.ownerId,
      // A replacement's security group opens SSH to where this editor is now, not where it was at the first launch.
      callerCidr: async () => `${await callerPublicIp(deps.settings.settings.checkIpUrl, { timeoutMs: 5_000 })}/32`,
      ...(s3Profile ? { s3Profile } : {}),
      logger: deps.logger,
    }),
  );
  const coordinator = new RecoveryCoordinator(deps.lineages, ports, {
    windowId: randomUUID(),
    logger: deps.logger,
    onChange: (record) => {
      notifications.update(record);
      changed.fire(record);
      void deps.boxStore.refresh().catch(() => undefined);
    },
  });

  // Said once per box and window: a journal that keeps writing forged notices must not flood the editor.
  const ignoredNoticeNoted = new Set<string>();
  const noteIgnoredNotice = (box: Box, detail: string): void => {
    if (ignoredNoticeNoted.has(box.instanceId)) {
      return;
    }
    ignoredNoticeNoted.add(box.instanceId);
    void vscode.window
      .showInformationMessage(`${box.name}: its journal reported a spot interruption that EC2 does not confirm (${detail}). Nothing was done; the box keeps running.`, 'Show Logs')
      .then((choice) => (choice === 'Show Logs' ? deps.showLogs() : undefined));
  };

  const lastStep = new Map<string, number>();
  const watcher = new InterruptionWatcher(
    deps.boxStore,
    deps.boxes.attach.endpoints,
    deps.boxes.keyDirectory,
    (box, event) => {
      const step = numberField(event, 'step');
      if (step !== undefined && (event.type === 'progress' || event.type === 'checkpoint-committed')) {
        lastStep.set(box.instanceId, step);
      }
      const epoch = numberField(event, 'epoch');
      if (event.type === 'progress' && epoch !== undefined) {
        deps.usage.recordEpoch(box.instanceId, epoch, event.time);
      } else if (event.type === 'rebalance') {
        deps.usage.recordInterruption(box.instanceId, event.type, event.time);
      }
      routeAgentEvent(
        box,
        event,
        {
          notices: deps.notices,
          confirmNotice: (noticedBox) => noticeChecks.confirm(noticedBox.region, noticedBox.instanceId),
          noticeIgnored: (noticedBox, verdict) => noteIgnoredNotice(noticedBox, verdict.detail),
          // Only notices EC2 confirmed get here: a forged line does not count as an interruption in the ledger.
          recover: (facts) => {
            deps.usage.recordInterruption(box.instanceId, 'notice', facts.noticeTime ?? event.time);
            return coordinator.recover('notice', { ...facts, ...(lastStep.has(box.instanceId) ? { stepReached: lastStep.get(box.instanceId) } : {}) });
          },
          noteStep: (instanceId, value) => coordinator.noteStep(instanceId, value),
          announce: (noticedBox, notice) => notifications.announceNotice(noticedBox, notice, deps.clock.now()),
          // Measured upload speed and checkpoint size; a checkpoint too big for the notice is said once per box, before a notice comes.
          checkpointUpload: (committedBox, committed) =>
            void recordCheckpointUpload(deps.lineages, deps.boxes.checkpointFits, committed)
              .then(({ fit, warnNow }) => {
                if (warnNow && fit) {
                  void vscode.window.showWarningMessage(tooBigForNoticeMessage(committedBox.name, fit));
                }
              })
              .catch((error: unknown) => deps.logger.warn(`recording the checkpoint upload of ${committedBox.name} failed: ${String(error)}`)),
          logger: deps.logger,
        },
        deps.clock.now(),
      );
      deps.onAgentEvent?.(box, event);
    },
    deps.logger,
  );

  // A box that vanishes without a notice (hard termination, a lost agent) is recovered from its newest checkpoint.
  let previous = new Map<string, Box>();
  const onBoxes = (boxes: readonly Box[]): void => {
    watcher.sync(boxes);
    const now = new Map(boxes.map((box) => [box.instanceId, box]));
    for (const [instanceId, before] of previous) {
      const after = now.get(instanceId);
      if (before.state === 'running' && (!after || after.state === 'stopping' || after.state === 'terminated')) {
        void lostBox(before);
      }
    }
    previous = new Map([...now].filter(([, box]) => box.state === 'running'));
    deps.notices.retain(new Set(boxes.filter((box) => box.state !== 'terminated').map((box) => box.instanceId)));
    deps.boxes.checkpointFits.retain(new Set(boxes.filter((box) => box.state !== 'terminated').map((box) => box.instanceId)));
  };
  const lostBox = async (box: Box): Promise<void> => {
    const record = await deps.lineages.findByInstance(box.instanceId);
    const isCurrent = record?.currentInstanceId === box.instanceId && !isActive(record.recovery);
    const isReplacementInFlight = isActive(record?.recovery) && record?.recovery?.replacementInstanceId === box.instanceId;
    if (!record || record.ended || !(isCurrent || isReplacementInFlight)) {
      return;
    }
    deps.logger.warn(`${box.name} (${box.instanceId}) is gone without a notice; recovering from its newest checkpoint`);
    deps.usage.recordInterruption(box.instanceId, 'hard', deps.clock.now());
    await coordinator.recover('lost', {
      instanceId: box.instanceId,
      instanceType: box.instanceType,
      availabilityZone: box.availabilityZone,
      ...(lastStep.has(box.instanceId) ? { stepReached: lastStep.get(box.instanceId) } : {}),
    });
  };

  context.subscriptions.push(
    changed,
    notifications,
    deps.boxStore.onDidChange(onBoxes),
    { dispose: () => watcher.dispose() },
    { dispose: () => coordinator.dispose() },
  );
  void coordinator.continueUnfinished().catch((error: unknown) => deps.logger.warn(`continuing recoveries failed: ${String(error)}`));

  return { coordinator, onDidChangeLineage: changed.event, showTimeline: (record) => notifications.showTimeline(record) };
}

/** RecoveryPorts whose implementation is built on the first call (every port is async). */
function lazyPorts(load: () => Promise<RecoveryPorts>): RecoveryPorts {
  let loaded: Promise<RecoveryPorts> | undefined;
  const ports = (): Promise<RecoveryPorts> =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
  return {
    confirmNotice: async (...args) => (await ports()).confirmNotice(...args),
    claim: async (...args) => (await ports()).claim(...args),
    zones: async (...args) => (await ports()).zones(...args),
    launchReplacement: async (...args) => (await ports()).launchReplacement(...args),
    waitUntilRunning: async (...args) => (await ports()).waitUntilRunning(...args),
    emergencyCheckpoint: async (...args) => (await ports()).emergencyCheckpoint(...args),
    newestCheckpoint: async (...args) => (await ports()).newestCheckpoint(...args),
    restore: async (...args) => (await ports()).restore(...args),
    resume: async (...args) => (await ports()).resume(...args),
    releaseOld: async (...args) => (await ports()).releaseOld(...args),
  };
}
