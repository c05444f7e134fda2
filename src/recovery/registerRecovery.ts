import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { CLOUD_FACTS } from '../core/cloud/clouds';
import type { Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import type { Logger } from '../core/logging/logger';
import { callerPublicIp } from '../core/network/callerIp';
import { ec2NoticeChecks } from '../core/recovery/ec2NoticeCloud';
import type { LineageStore } from '../core/recovery/lineageStore';
import type { NoticeBoard } from '../core/recovery/noticeBoard';
import type { AgentEvent } from '../core/recovery/agentEvents';
import { lazyRecoveryPorts } from '../core/recovery/lazyRecoveryPorts';
import { RecoveryCoordinator } from '../core/recovery/recoveryCoordinator';
import { RecoveryHub } from '../core/recovery/recoveryHub';
import type { LineageRecord, TimelineRecord } from '../core/recovery/recoveryTypes';
import { lazySelfRestorePorts, SelfRestoreFollower } from '../core/recovery/selfRestoreFollower';
import { noticeAuthority } from '../core/recovery/noticeConfirmation';
import type { PriceService } from '../core/pricing/priceService';
import type { Clock } from '../core/time/clock';
import type { UsageEventRecorder } from '../core/dashboard/usageTypes';
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
  readonly showTimeline: (record: TimelineRecord | undefined) => Promise<void>;
  /** The recoveries a Google Cloud group or an Azure scale set made by itself, as this window followed them. */
  readonly selfRestoreRecordOf: (box: Pick<Box, 'instanceId' | 'lineage'>) => TimelineRecord | undefined;
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
    /** The calculator's price service (live prices, their caches): a lineage that moves for price compares with it at a notice. */
    prices: () => Promise<PriceService>;
  },
): RecoveryFeature {
  const changed = new vscode.EventEmitter<LineageRecord>();
  const notifications = new RecoveryNotifications(context.globalState);
  const awsProfile = (): string | undefined => deps.settings.settings.awsProfile || undefined;
  // One check per notice, whether the router (countdown, warning) or the coordinator (actions) asks.
  const noticeChecks = ec2NoticeChecks(deps.boxes.clients);
  // The ports (launcher, checkpoint store, session ops) are bundled apart and loaded when a recovery
  // first needs one (esbuild.mjs). Settings are read at each use: a profile chosen later counts.
  const agentSource = async (): Promise<string> => (await import('../core/agent/agentSource')).readAgentSource(context.extensionUri.fsPath);
  const ports = lazyRecoveryPorts(async () =>
    (await import('../core/recoveryPorts/cloudRecoveryPorts')).cloudRecoveryPorts({
      noticeChecks,
      clients: deps.boxes.clients,
      endpointOf: (box, signal) => deps.boxes.attach.endpoints.endpointOf(box, { signal }),
      releaseLaunchResources: deps.boxes.releaseLaunchResources,
      ownerId: deps.boxes.ownerId,
      // A replacement's security group opens SSH to where this editor is now, not where it was at the first launch.
      callerCidr: async () => `${await callerPublicIp(deps.settings.settings.checkIpUrl, { timeoutMs: 5_000 })}/32`,
      s3Profile: awsProfile,
      logger: deps.logger,
      // Where a lineage whose profile names Google Cloud or Azure in otherClouds moves when AWS has no Spot capacity (or, with cheaperByPercent, costs more).
      gcp: { clients: deps.boxes.gcpClients, agentSource, keyDirectory: deps.boxes.keyDirectory },
      azure: { clients: deps.boxes.azureClients, agentSource, keyDirectory: deps.boxes.keyDirectory },
      prices: deps.prices,
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

  // Google Cloud's groups and Azure's scale sets bring their boxes back themselves: followed, never launched for.
  const wiring = {
    endpointOf: (target: Box, signal: AbortSignal) => {
      // A recreated GCE VM keeps its name, not its address or host keys.
      deps.boxes.attach.endpoints.forget(target.instanceId);
      return deps.boxes.attach.endpoints.endpointOf(target, { signal });
    },
  };
  const gcpPorts = lazySelfRestorePorts(async () => {
    const [{ gceSelfRestorePorts }, gcp] = await Promise.all([import('../core/recoveryPorts/selfRestorePorts'), deps.boxes.gcpClients()]);
    return gceSelfRestorePorts(gcp.compute, gcp.gcs, wiring);
  });
  const azurePorts = lazySelfRestorePorts(async () => (await import('../core/recoveryPorts/selfRestorePorts')).azureSelfRestorePorts(await deps.boxes.azureClients(), wiring));
  const selfRestore = new SelfRestoreFollower(
    (box) => (box.cloud === 'gcp' ? gcpPorts : box.cloud === 'azure' ? azurePorts : undefined),
    {
      logger: deps.logger,
      onChange: (record, box) => {
        notifications.update(record, CLOUD_FACTS[box.cloud].objectStore);
        const phase = record.recovery?.phase;
        if (phase === 'resumed' || phase === 'failed') deps.notices.clear(record.recovery!.interruptedInstanceId);
        // The tree's own poll follows the old box going; the new one is shown as soon as it is known.
        if (phase !== 'noticed') void deps.boxStore.refresh().catch(() => undefined);
      },
    },
  );

  const hub = new RecoveryHub({
    selfRestore,
    coordinator,
    lineages: deps.lineages,
    notices: deps.notices,
    checkpointFits: deps.boxes.checkpointFits,
    usage: deps.usage,
    noticeChecks,
    clock: deps.clock,
    logger: deps.logger,
    followJournals: (boxes) => watcher.sync(boxes),
    announce: (box, notice) => notifications.announceNotice(box, notice, deps.clock.now()),
    noticeIgnored: (box, detail) =>
      void vscode.window
        .showInformationMessage(`${box.name}: its journal reported a spot interruption that ${noticeAuthority(box.cloud)} does not confirm (${detail}). Nothing was done; the box keeps running.`, 'Show Logs')
        .then((choice) => (choice === 'Show Logs' ? deps.showLogs() : undefined)),
    checkpointTooBig: (box, fit) => void vscode.window.showWarningMessage(tooBigForNoticeMessage(box.name, fit)),
    ...(deps.onAgentEvent ? { onAgentEvent: deps.onAgentEvent } : {}),
  });
  const watcher = new InterruptionWatcher(deps.boxStore, deps.boxes.attach.endpoints, deps.boxes.keyDirectory, (box, event) => hub.onAgentEvent(box, event), deps.logger);

  context.subscriptions.push(
    changed,
    notifications,
    deps.boxStore.onDidChange((boxes) => hub.onBoxes(boxes)),
    { dispose: () => watcher.dispose() },
    { dispose: () => coordinator.dispose() },
    { dispose: () => selfRestore.dispose() },
  );
  void coordinator.continueUnfinished().catch((error: unknown) => deps.logger.warn(`continuing recoveries failed: ${String(error)}`));

  return { coordinator, onDidChangeLineage: changed.event, showTimeline: (record) => notifications.showTimeline(record), selfRestoreRecordOf: (box) => selfRestore.recordOf(box) };
}
