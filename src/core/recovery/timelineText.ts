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
  const unwatched = run.unwatched ? 'While no window was open, the fleet replaced the box and it restored itself: ' : '';
  return `${unwatched}${steps}. Restored from ${checkpoint}${lost !== undefined ? `; ${lost} step${lost === 1 ? '' : 's'} lost` : ''}.`;
}

/** What the progress notification says in each phase. */
export function phaseMessage(run: RecoveryRun): string {
  switch (run.phase) {
    case 'noticed':
      return 'notice received: checkpointing on the box';
    case 'launching':
      return `checkpointing on the box; launching a replacement outside ${run.interruptedPool.instanceType}${run.interruptedPool.availabilityZone ? ` in ${run.interruptedPool.availabilityZone}` : ''}`;
    case 'replacement-running':
      return `replacement ${run.replacementInstanceId ?? ''} running; waiting for the checkpoint`;
    case 'restoring':
      return `restoring ${run.checkpointSeq !== undefined ? `checkpoint ${run.checkpointSeq}` : 'the workspace'} on ${run.replacementInstanceId ?? 'the replacement'}`;
    case 'resumed':
      return run.unwatched ? 'session resumed by itself, while no window was open' : 'session resumed';
    case 'failed':
      return `failed: ${run.error ?? 'unknown reason'}`;
  }
}
