import { CLOUD_FACTS } from '../cloud/clouds';
import { formatUsd } from '../pricing/egressPrices';
import type { CloudId } from '../cloud/clouds';
import { countdownLabel, type BoxNotice } from './noticeBoard';
import type { CrossCloudMove } from './crossCloudTypes';
import { stepsLost, type RecoveryRun } from './recoveryTypes';

const MILESTONES: ReadonlyArray<[keyof RecoveryRun['timeline'], string]> = [
  ['checkpointCommitted', 'checkpoint committed'],
  ['replacementLaunched', 'replacement launched'],
  ['replacementRunning', 'replacement running'],
  ['restored', 'restored'],
  ['resumed', 'resumed'],
];

/** The milestones reached so far, each as seconds after the notice (or after the loss was seen). */
export function timelineEntries(run: RecoveryRun): Array<{ label: string; at: number; afterSeconds: number }> {
  const start = run.timeline.notice ?? Math.min(...Object.values(run.timeline).filter((value): value is number => typeof value === 'number'));
  const entries = [{ label: run.trigger === 'lost' ? 'box lost without notice' : run.trigger === 'rehearsal' ? 'rehearsal notice' : 'interruption notice', at: start, afterSeconds: 0 }];
  for (const [key, label] of MILESTONES) {
    const at = run.timeline[key];
    if (at !== undefined) {
      entries.push({ label, at, afterSeconds: Math.max(0, Math.round((at - start) / 100) / 10) });
    }
  }
  return entries;
}

/** One line for a notification: "notice → checkpoint committed 12 s → ... ; 0 steps lost". */
export function timelineSummary(run: RecoveryRun): string {
  const steps = timelineEntries(run)
    .map((entry, index) => (index === 0 ? entry.label : `${entry.label} ${entry.afterSeconds} s`))
    .join(' → ');
  const lost = stepsLost(run);
  const checkpoint = run.checkpointSeq !== undefined ? `checkpoint ${run.checkpointSeq}${run.checkpointStep !== undefined ? ` (step ${run.checkpointStep})` : ''}` : 'no checkpoint found: started fresh';
  // owner 'cloud': Google Cloud's group or Azure's scale set replaced the box, read from its journal when a window looked.
  const unwatched = !run.unwatched ? '' : run.owner === 'cloud' ? 'Before this window looked, the cloud replaced the box and it restored itself: ' : 'While no window was open, the fleet replaced the box and it restored itself: ';
  const moved = run.move?.to ? `${moveSummary(run)} ` : '';
  return `${moved}${unwatched}${steps}. Restored from ${checkpoint}${lost !== undefined ? `; ${lost} step${lost === 1 ? '' : 's'} lost` : ''}.`;
}

/**
 * A move to another cloud in plain words: "Moved to Google Cloud (us-central1-a, g2-standard-4): AWS
 * had no Spot capacity in us-east-1." (or "34 % cheaper than AWS ($0.28/h vs $0.43/h, egress ≈
 * $0.0001).") "Copied 3.2 MB in 0.4 s (8.0 MB/s, egress ≈ $0.0003).
 * Resumed at step 1234, 0 steps lost."
 */
export function moveSummary(run: RecoveryRun): string {
  return moveRows(run)
    .map((row, index) => (index === 0 ? `${row.label}: ${row.detail ?? ''}.` : ` ${row.label}${row.detail ? ` (${row.detail})` : ''}.`))
    .join('');
}

/** Why it moved: "AWS had no Spot capacity in us-east-1", or "34 % cheaper than AWS ($0.28/h vs $0.43/h, egress ≈ $0.0001)". */
function moveReason(move: CrossCloudMove): string {
  const from = CLOUD_FACTS[move.from.cloud].label;
  if (move.reason === 'no-capacity') return `${from} had no Spot capacity in ${move.from.region}`;
  const price = move.priceComparison;
  return `${Math.round(price.percentCheaper)} % cheaper than ${from} ($${price.toUsdPerHour.toFixed(2)}/h vs $${price.fromUsdPerHour.toFixed(2)}/h, egress ≈ ${formatUsd(price.egressUsd)})`;
}

/**
 * The same move as rows short enough for a QuickPick to show whole (the timeline's): where to and
 * why, what the copy took and cost, where the session resumed. None when the run did not move.
 */
export function moveRows(run: RecoveryRun): Array<{ label: string; detail?: string }> {
  const move = run.move;
  if (!move?.to) return [];
  const rows: Array<{ label: string; detail?: string }> = [
    { label: `Moved to ${CLOUD_FACTS[move.to.cloud].label} (${move.to.zone}, ${move.to.machineType})`, detail: moveReason(move) },
    ...(move.skipped ?? []).map((skipped) => ({ label: `Tried ${CLOUD_FACTS[skipped.cloud].label} first`, detail: skipped.reason })),
  ];
  if (move.copy) {
    rows.push({ label: `Copied ${decimalSize(move.copy.bytes)} in ${move.copy.seconds.toFixed(1)} s`, detail: `${move.copy.mbPerSecond.toFixed(1)} MB/s, egress ≈ ${formatUsd(move.copy.egressUsd)}` });
  }
  const lost = stepsLost(run);
  if (run.resumedStep !== undefined) rows.push({ label: `Resumed at step ${run.resumedStep}${lost !== undefined ? `, ${lost} step${lost === 1 ? '' : 's'} lost` : ''}` });
  return rows;
}

/**
 * The notification when a session is back: on which box, and the summary. A moved session is back
 * on the other cloud's VM, which it names with its cloud (a move has no EC2 replacement or pool).
 */
export function resumedMessage(boxName: string, run: RecoveryRun): string {
  const to = run.move?.to;
  const where = to
    ? `${to.instance} (${CLOUD_FACTS[to.cloud].label}, ${to.machineType} ${to.zone})`
    : `${shortInstanceName(run.replacementInstanceId ?? '?')} (${run.replacementPool?.instanceType ?? ''} ${run.replacementPool?.availabilityZone ?? ''}, ${run.replacementPool?.lifecycle ?? ''})`;
  return `${boxName} is back on ${where}: ${timelineSummary(run)}`;
}

/** An Azure VM by its name (the last segment of its ARM id, which is too long to read); other ids as they are. */
function shortInstanceName(instanceId: string): string {
  return instanceId.startsWith('/subscriptions/') ? (instanceId.split('/').pop() ?? instanceId) : instanceId;
}

/** "3.2 MB", "12.5 kB": decimal units, as MB/s is. */
function decimalSize(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** What the progress notification says in each phase. */
export function phaseMessage(run: RecoveryRun): string {
  switch (run.phase) {
    case 'noticed':
      return 'notice received: checkpointing on the box';
    case 'launching':
      return `checkpointing on the box; launching a replacement outside ${run.interruptedPool.instanceType}${run.interruptedPool.availabilityZone ? ` in ${run.interruptedPool.availabilityZone}` : ''}`;
    case 'moving':
      return run.move?.to
        ? `${run.move.to.instance} running on ${CLOUD_FACTS[run.move.to.cloud].label} in ${run.move.to.zone}; waiting for it to restore and resume`
        : run.move?.copy
          ? `checkpoint copied (${decimalSize(run.move.copy.bytes)}); launching the box on the other cloud`
          : run.move?.reason === 'cheaper'
            ? `${CLOUD_FACTS[run.move.priceComparison.to.cloud].label} is ${Math.round(run.move.priceComparison.percentCheaper)} % cheaper: copying the checkpoint there`
            : `${CLOUD_FACTS[run.move?.from.cloud ?? 'aws'].label} has no Spot capacity: copying the checkpoint to another cloud`;
    case 'replacement-running':
      return `replacement ${run.replacementInstanceId ?? ''} running; waiting for the checkpoint`;
    case 'restoring':
      return `restoring ${run.checkpointSeq !== undefined ? `checkpoint ${run.checkpointSeq}` : 'the workspace'} on ${run.replacementInstanceId ?? 'the replacement'}`;
    case 'resumed':
      return run.unwatched ? (run.owner === 'cloud' ? 'session resumed by itself, before this window looked' : 'session resumed by itself, while no window was open') : 'session resumed';
    case 'failed':
      return `failed: ${run.error ?? 'unknown reason'}`;
  }
}

/**
 * The warning when a box gets an interruption notice: when the cloud acts, and who brings the box
 * back. On AWS the window launches the replacement; Google Cloud's group and Azure's scale set make
 * the new VM themselves, and the window only follows.
 */
export function noticeAnnouncement(boxName: string, cloud: CloudId, notice: Pick<BoxNotice, 'actionTime'>, now: number): string {
  const left = notice.actionTime !== undefined ? countdownLabel(notice.actionTime, now) : undefined;
  const when = notice.actionTime === undefined ? ' shortly' : left === 'now' ? ` now (${new Date(notice.actionTime).toLocaleTimeString()})` : ` in ${left} (${new Date(notice.actionTime).toLocaleTimeString()})`;
  if (cloud === 'gcp') return `${boxName} will be preempted by Google Cloud${when}. Its agent is checkpointing; then the managed instance group recreates the VM, which restores the checkpoint and restarts the session.`;
  if (cloud === 'azure') return `${boxName} will be evicted by Azure${when}. Its agent is checkpointing; then the scale set restores the instance (Try & Restore), which restores the checkpoint and restarts the session.`;
  return `${boxName} will be reclaimed by AWS${when}. Spotbox is checkpointing it and launching a replacement now.`;
}
