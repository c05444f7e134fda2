import * as vscode from 'vscode';
import type { Box } from '../core/boxes/box';
import type { BoxNotice } from '../core/recovery/noticeBoard';
import { moveRows, noticeAnnouncement, phaseMessage, resumedMessage, timelineEntries, timelineSummary } from '../core/recovery/timelineText';
import type { TimelineRecord } from '../core/recovery/recoveryTypes';

/** Where the summaries of recoveries read back from a box's journal are remembered (globalState). */
const RECALLED_KEY = 'spotbox.recalledRecoveriesSaid';

/**
 * The user-facing side of a recovery: the notice toast, one progress notification per running
 * recovery (phases as they happen), and the closing summary with the timeline.
 */
export class RecoveryNotifications implements vscode.Disposable {
  private readonly open = new Map<string, { report: (message: string) => void; finish: () => void; runId: string }>();
  private readonly announced = new Set<string>();

  /**
   * `remembered` keeps the closing summaries of recoveries read back from a box's journal (Google
   * Cloud, Azure) across windows: every window reads them again, and each is said once, not at every start.
   */
  constructor(private readonly remembered?: vscode.Memento) {}

  announceNotice(box: Box, notice: BoxNotice, now: number): void {
    const timeline = 'Open Timeline';
    const checkpoint = 'Checkpoint Now';
    if (notice.kind === 'rebalance') {
      void vscode.window
        .showInformationMessage(`${box.name}: AWS recommends moving off this spot pool (rebalance); an interruption may follow. Spotbox keeps checkpointing.`, checkpoint)
        .then((choice) => (choice === checkpoint ? vscode.commands.executeCommand('spotbox.checkpointNow', { kind: 'box', box }) : undefined));
      return;
    }
    void vscode.window
      .showWarningMessage(noticeAnnouncement(box.name, box.cloud, notice, now), timeline, checkpoint)
      .then((choice) => {
        if (choice === timeline) {
          return vscode.commands.executeCommand('spotbox.showRecoveryTimeline', box.instanceId);
        }
        return choice === checkpoint ? vscode.commands.executeCommand('spotbox.checkpointNow', { kind: 'box', box }) : undefined;
      });
  }

  /** Called on every change of a lineage record. */
  update(record: TimelineRecord, bucketWord = 'S3'): void {
    const run = record.recovery;
    if (!run) {
      return;
    }
    const current = this.open.get(record.lineage);
    if (run.phase !== 'resumed' && run.phase !== 'failed') {
      if (current && current.runId === run.id) {
        current.report(phaseMessage(run));
        return;
      }
      current?.finish();
      this.startProgress(record.lineage, record.boxName, run.id, phaseMessage(run));
      return;
    }
    current?.finish();
    this.open.delete(record.lineage);
    const key = `${run.id}:${run.phase}`;
    if (this.announced.has(key)) {
      return;
    }
    this.announced.add(key);
    if (run.unwatched && run.owner === 'cloud' && this.remembered) {
      const said = this.remembered.get<string[]>(RECALLED_KEY, []);
      if (said.includes(key)) return;
      void this.remembered.update(RECALLED_KEY, [...said, key].slice(-200));
    }
    if (run.phase === 'resumed') {
      const terminal = 'Open Terminal';
      void vscode.window
        .showInformationMessage(resumedMessage(record.boxName, run), terminal)
        .then((choice) => (choice === terminal ? vscode.commands.executeCommand('spotbox.openTerminal') : undefined));
    } else if (run.phase === 'failed') {
      void vscode.window.showErrorMessage(`Recovering ${record.boxName} failed: ${run.error ?? 'unknown reason'}. Its checkpoints in ${bucketWord} are intact; launch again or use Spotbox: Restore Checkpoint.`);
    }
  }

  /** A QuickPick listing the milestones of the newest recovery of a lineage. */
  async showTimeline(record: TimelineRecord | undefined): Promise<void> {
    const run = record?.recovery;
    if (!record || !run) {
      void vscode.window.showInformationMessage('No recovery has run for this box yet.');
      return;
    }
    // A move first, in rows short enough to read whole: the milestones' single line would cut it off.
    const items: vscode.QuickPickItem[] = moveRows(run).map((row) => ({ label: row.label, ...(row.detail ? { detail: row.detail } : {}) }));
    items.push(...timelineEntries(run).map((entry) => ({ label: entry.label, description: `+${entry.afterSeconds} s`, detail: new Date(entry.at).toLocaleTimeString() })));
    items.push({ label: phaseMessage(run), description: run.phase, detail: timelineSummary(run) });
    await vscode.window.showQuickPick(items, { title: `Recovery of ${record.boxName}`, placeHolder: 'notice → checkpoint committed → replacement running → restored → resumed' });
  }

  private startProgress(lineage: string, boxName: string, runId: string, first: string): void {
    let report: (message: string) => void = () => undefined;
    let finish: () => void = () => undefined;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Recovering ${boxName}` }, (progress) => {
      report = (message) => progress.report({ message });
      progress.report({ message: first });
      return new Promise<void>((resolve) => (finish = resolve));
    });
    this.open.set(lineage, { report: (message) => report(message), finish: () => finish(), runId });
  }

  dispose(): void {
    for (const entry of this.open.values()) {
      entry.finish();
    }
    this.open.clear();
  }
}
