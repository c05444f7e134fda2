import type { Client } from 'ssh2';
import { SpotboxError } from '../errors';
import { runRemoteCommand } from '../ssh/runRemoteCommand';
import { done, notYet, pollUntil } from '../time/poll';
import { numberField, parseAgentEvent, timeField, type AgentEvent } from './agentEvents';

/**
 * How the box's own restore at boot went, from its journal (boot_restore in the agent journals the
 * phases started, waiting-handoff, restored, then one of the final three below).
 */
export interface BootRestoreOutcome {
  readonly phase: 'resumed' | 'no-checkpoint' | 'failed';
  readonly restoredAt?: number;
  readonly resumedAt?: number;
  readonly seq?: number;
  readonly step?: number;
  readonly error?: string;
  /** The predecessor's notice the box waited for (handoff.json), if any. */
  readonly handoff?: { readonly from?: string; readonly noticeTime?: number; readonly actionTime?: number; readonly step?: number };
}

function lastOf(events: readonly AgentEvent[], test: (event: AgentEvent) => boolean): AgentEvent | undefined {
  return [...events].reverse().find(test);
}

const FINAL: ReadonlySet<string> = new Set(['resumed', 'no-checkpoint', 'failed']);

/** The boot-restore events of a journal's text (both files of a rotated journal, oldest first). */
export function bootRestoreEvents(text: string): AgentEvent[] {
  return text
    .split('\n')
    .map(parseAgentEvent)
    .filter((event): event is AgentEvent => event?.type === 'boot-restore');
}

/** The outcome, once the journal holds a final phase; undefined while the box is still at it. */
export function bootRestoreOutcome(events: readonly AgentEvent[]): BootRestoreOutcome | undefined {
  const final = lastOf(events, (event) => FINAL.has(String(event.fields.phase)));
  if (!final) {
    return undefined;
  }
  const restored = lastOf(events, (event) => event.fields.phase === 'restored');
  const waited = lastOf(events, (event) => event.fields.phase === 'waiting-handoff');
  const handoffFields = (final.fields.handoff as Record<string, unknown> | undefined) ?? waited?.fields;
  const handoffEvent: AgentEvent | undefined = handoffFields ? { type: 'handoff', time: final.time, fields: handoffFields } : undefined;
  const seq = numberField(final, 'seq') ?? (restored ? numberField(restored, 'seq') : undefined);
  const step = numberField(final, 'step') ?? (restored ? numberField(restored, 'step') : undefined);
  const from = handoffFields?.from ?? handoffFields?.instanceId;
  const noticeTime = handoffEvent ? timeField(handoffEvent, 'noticeTime') : undefined;
  const actionTime = handoffEvent ? timeField(handoffEvent, 'actionTime') : undefined;
  // The last step the old box's agent knew of at its notice: what the resume is measured against.
  const handoffStep = handoffEvent ? numberField(handoffEvent, 'step') : undefined;
  return {
    phase: final.fields.phase as BootRestoreOutcome['phase'],
    ...(restored ? { restoredAt: restored.time } : {}),
    ...(final.fields.phase === 'resumed' ? { resumedAt: final.time } : {}),
    ...(seq !== undefined ? { seq } : {}),
    ...(step !== undefined ? { step } : {}),
    ...(typeof final.fields.error === 'string' ? { error: final.fields.error } : {}),
    ...(handoffFields ? { handoff: { ...(typeof from === 'string' ? { from } : {}), ...(noticeTime !== undefined ? { noticeTime } : {}), ...(actionTime !== undefined ? { actionTime } : {}), ...(handoffStep !== undefined ? { step: handoffStep } : {}) } } : {}),
  };
}

/**
 * Waits on the box for its own restore at boot to end, reading its agent journal over SSH. The box
 * may wait up to its predecessor's action time for the emergency checkpoint, so the default
 * deadline is generous; a closed window's abort ends the wait.
 */
export async function waitForBootRestore(client: Client, options: { signal?: AbortSignal; timeoutMs?: number; intervalMs?: number } = {}): Promise<BootRestoreOutcome> {
  return pollUntil(
    async () => {
      const read = await runRemoteCommand(client, 'cat ~/.spotbox/journal.jsonl.1 ~/.spotbox/journal.jsonl 2>/dev/null | grep -F \'"boot-restore"\' || true', { timeoutMs: 20_000 });
      const outcome = bootRestoreOutcome(bootRestoreEvents(read.stdout));
      return outcome ? done(outcome) : notYet('the box is still restoring itself');
    },
    {
      describe: 'the replacement to restore itself',
      intervalMs: options.intervalMs ?? 1_000,
      // The box's restore may take an hour (spotbox_session.py), after up to 300 s for the predecessor's checkpoint.
      timeoutMs: options.timeoutMs ?? 70 * 60_000,
      timeoutError: () => new SpotboxError('The replacement did not finish restoring itself within 70 minutes.', 'See ~/.spotbox/journal.jsonl and ~/.spotbox/agent.log on the box before restoring by hand: its own restore may still be writing.'),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}
