import { idlePeriodOf, type ActivityReport } from './activityReport';

/**
 * Idle stop, as a pure state machine over a box's `activity` reports (see idleWatch.ts for the
 * timers). The rules:
 *
 * - **Warn** once the box reports an idle time of at least `stopAfterMs - warnBeforeMs` (5 minutes
 *   before the profile's idleStopMinutes; half of it for limits under 10 minutes). The warning gives
 *   the user the whole `warnBeforeMs` to answer, whenever it comes: a window opened on a box idle
 *   for hours warns first too.
 * - **Terminate** on the first report that arrives once that time is up and still belongs to the
 *   same idle period. Not at the deadline on the last report: that one may be a minute old, and the
 *   user may have logged in since. No report, no termination (a lost link or agent fails safe).
 * - **Activity** (a report with a session, or one from a later idle period) withdraws a warning.
 * - **Keep Running** lets the box run through the current idle period; the next one warns again.
 *
 * Reports are judged only once a burst of them has been taken in (a reloaded window replays the
 * whole journal), and only if fresh: within `freshForMs` of our clock, which also bounds the box's
 * clock skew that is tolerated (a bigger skew means no idle stop, never a wrong one).
 */
export interface IdleLimits {
  /** Idle time after which the box is terminated. */
  readonly stopAfterMs: number;
  /** How long before that the user is warned, and at least how long the warning stands. */
  readonly warnBeforeMs: number;
  readonly freshForMs: number;
}

export const IDLE_WARNING_MS = 5 * 60_000;
export const IDLE_REPORT_FRESH_MS = 5 * 60_000;
/** Reports of one idle period place its start within rounding of each other (idleSeconds has one decimal). */
const SAME_PERIOD_MS = 1_500;

/** The limits for a profile's idleStopMinutes; undefined when idle stop is off (0 or absent). */
export function idleLimits(idleStopMinutes: number | undefined): IdleLimits | undefined {
  if (idleStopMinutes === undefined || !(idleStopMinutes > 0)) {
    return undefined;
  }
  const stopAfterMs = idleStopMinutes * 60_000;
  return { stopAfterMs, warnBeforeMs: Math.min(IDLE_WARNING_MS, stopAfterMs / 2), freshForMs: IDLE_REPORT_FRESH_MS };
}

export type IdlePhase =
  | { readonly kind: 'watching' }
  /** `period`: start of the idle period warned about (box clock); `deadline`: our clock. */
  | { readonly kind: 'warned'; readonly period: number; readonly deadline: number }
  | { readonly kind: 'kept-running'; readonly period: number }
  | { readonly kind: 'terminating' };

export interface IdleState {
  readonly phase: IdlePhase;
  readonly last?: ActivityReport;
  /** Our clock when `last` arrived. */
  readonly receivedAt?: number;
}

export type IdleDecision =
  | { readonly kind: 'warn'; readonly period: number; readonly idleMs: number; readonly terminateAt: number }
  | { readonly kind: 'resumed' }
  | { readonly kind: 'terminate'; readonly period: number; readonly idleMs: number };

export interface IdleStep {
  readonly state: IdleState;
  readonly decision?: IdleDecision;
}

export const INITIAL_IDLE_STATE: IdleState = { phase: { kind: 'watching' } };

export function samePeriod(a: number | undefined, b: number | undefined): boolean {
  return a !== undefined && b !== undefined && Math.abs(a - b) <= SAME_PERIOD_MS;
}

/** Takes a report in. Only activity is acted on at once (it withdraws a warning); see `evaluate`. */
export function observe(state: IdleState, report: ActivityReport, now: number): IdleStep {
  if (state.last && report.time <= state.last.time) {
    return { state };
  }
  const next: IdleState = { ...state, last: report, receivedAt: now };
  const phase = state.phase;
  if ((phase.kind === 'warned' || phase.kind === 'kept-running') && !samePeriod(idlePeriodOf(report), phase.period)) {
    return { state: { ...next, phase: { kind: 'watching' } }, ...(phase.kind === 'warned' ? { decision: { kind: 'resumed' } as const } : {}) };
  }
  return { state: next };
}

/** Decides on the newest report: warn, terminate, or nothing. */
export function evaluate(state: IdleState, now: number, limits: IdleLimits): IdleStep {
  const { last, receivedAt } = state;
  const period = last ? idlePeriodOf(last) : undefined;
  if (!last || receivedAt === undefined || period === undefined || Math.abs(now - last.time) > limits.freshForMs) {
    return { state };
  }
  const idleMs = last.idleSeconds * 1000;
  const phase = state.phase;
  if (phase.kind === 'watching' && idleMs >= limits.stopAfterMs - limits.warnBeforeMs) {
    const terminateAt = now + limits.warnBeforeMs;
    return { state: { ...state, phase: { kind: 'warned', period, deadline: terminateAt } }, decision: { kind: 'warn', period, idleMs, terminateAt } };
  }
  if (phase.kind === 'warned' && receivedAt >= phase.deadline && samePeriod(period, phase.period)) {
    return { state: { ...state, phase: { kind: 'terminating' } }, decision: { kind: 'terminate', period, idleMs } };
  }
  return { state };
}

/** Keep Running: the box runs through the idle period warned about (or `period`, chosen in another window). */
export function keepRunning(state: IdleState, period = state.phase.kind === 'warned' ? state.phase.period : undefined): IdleState {
  return period === undefined ? state : { ...state, phase: { kind: 'kept-running', period } };
}

/** Terminate Now, or another window ended it: no more warnings for this box. */
export function terminating(state: IdleState): IdleState {
  return { ...state, phase: { kind: 'terminating' } };
}
