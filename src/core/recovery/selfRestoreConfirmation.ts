import { askUntilFinal, type NoticeVerdict } from './noticeConfirmation';

export interface SelfRestoreConfirmationOptions {
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly intervalMs?: number;
  readonly signal?: AbortSignal;
}

/** After the notice's deadline the cloud has had its time: this long more, and a cloud still silent refuses. */
export const SELF_RESTORE_CONFIRMATION_GRACE_MS = 30_000;
/** A notice without a deadline gets this long from when it was given. */
const NO_DEADLINE_BUDGET_MS = 90_000;

/**
 * The time by which the cloud must have said the box is being taken. Google Cloud stops a preempted
 * VM at once (STOPPING) and Azure deletes an evicted one at NotBefore or as soon as the agent
 * acknowledges; neither says so earlier in its API, so the word may come up to the notice's deadline.
 */
export function confirmationDeadline(notice: { readonly noticeTime: number; readonly actionTime?: number }): number {
  return notice.actionTime !== undefined ? notice.actionTime + SELF_RESTORE_CONFIRMATION_GRACE_MS : notice.noticeTime + NO_DEADLINE_BUDGET_MS;
}

/**
 * Asks the cloud (`look`) until it confirms, says the box cannot have had a notice (on-demand), or
 * the deadline passes. Never throws: a failed look is a refusal the next look may overturn.
 */
export async function confirmBeforeDeadline(look: () => Promise<NoticeVerdict>, deadline: number, options: SelfRestoreConfirmationOptions): Promise<NoticeVerdict> {
  const interval = options.intervalMs ?? 1_000;
  return askUntilFinal(look, deadline, { now: options.now, sleep: options.sleep, ...(options.signal ? { signal: options.signal } : {}), pauseMs: () => interval, authority: 'the cloud' });
}
