/**
 * Whether EC2 stands behind a spot notice read from a box's agent journal. The journal is a file on
 * the box that any process there can append to, so a `notice` line alone must never launch a
 * replacement or end the box: EC2 is asked first. Real EC2 sets the spot request's status to
 * `marked-for-termination` (or `-stop`, `-hibernation`) when it issues the notice, and the sandbox's
 * EC2 does the same (sandbox/ec2/instances/manager.ts, `interrupt`).
 */

/** What EC2 says of the instance, as the check needs it. */
export interface NoticeInstanceView {
  /** `pending`, `running`, `shutting-down`, ... */
  readonly state?: string;
  /** Absent for an on-demand instance: no spot request, so no spot notice can be real. */
  readonly spotInstanceRequestId?: string;
}

export interface NoticeCloud {
  /** Undefined when EC2 does not know the instance. */
  describeInstance(instanceId: string): Promise<NoticeInstanceView | undefined>;
  /** The spot request's Status.Code; undefined when EC2 does not know the request. */
  spotRequestStatus(spotInstanceRequestId: string): Promise<string | undefined>;
}

export type NoticeVerdict =
  | { readonly confirmed: true; readonly evidence: string }
  | { readonly confirmed: false; readonly reason: 'on-demand' | 'not-marked' | 'unknown-instance' | 'unreachable'; readonly detail: string };

export interface NoticeConfirmationOptions {
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * How long EC2 gets to show the mark. DescribeSpotInstanceRequests is eventually consistent and
   * may trail the instance metadata by a second or two; 10 s is ample and still leaves a genuine
   * notice most of its 2 minutes (and the first call usually answers at once).
   */
  readonly budgetMs?: number;
  readonly signal?: AbortSignal;
}

export const NOTICE_CONFIRMATION_BUDGET_MS = 10_000;
/** Pauses between attempts: quick at first, since a genuine notice is usually marked at once. */
const BACKOFF_MS = [500, 1_000, 2_000, 3_000];

/** The instance has left or is leaving `running`: EC2 is taking it, a recovery is due whatever the journal says. */
const ENDING_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

/** Status codes of a spot request whose instance EC2 interrupts or has interrupted. */
export function isInterruptionStatus(code: string | undefined): boolean {
  return code !== undefined && /^(marked-for-(termination|stop|hibernation)|instance-(terminated|stopped|hibernated)-)/.test(code);
}

/**
 * Asks EC2 whether the instance really got a spot notice, retrying briefly with backoff while EC2
 * catches up. Never throws: an EC2 it cannot reach within the budget is a refusal too (a recovery
 * could not launch then either, and a box that does go is still recovered as lost).
 */
export async function confirmSpotNotice(cloud: NoticeCloud, instanceId: string, options: NoticeConfirmationOptions): Promise<NoticeVerdict> {
  const deadline = options.now() + (options.budgetMs ?? NOTICE_CONFIRMATION_BUDGET_MS);
  return askUntilFinal(() => checkOnce(cloud, instanceId), deadline, { ...options, pauseMs: (attempt) => BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)], authority: 'EC2' });
}

export interface AskOptions {
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signal?: AbortSignal;
  /** The pause after the attempt numbered `attempt` (from 0). */
  readonly pauseMs: (attempt: number) => number;
  /** Who is asked, for the refusal a failed look becomes ("EC2", "the cloud"). */
  readonly authority: string;
}

/**
 * Asks the cloud (`look`) until its verdict is final (confirmed, or a box that cannot have had a
 * notice), the signal aborts, or the next pause would pass `deadline`; the last verdict is returned.
 * Never throws: a failed look is a refusal the next look may overturn.
 */
export async function askUntilFinal(look: () => Promise<NoticeVerdict>, deadline: number, options: AskOptions): Promise<NoticeVerdict> {
  for (let attempt = 0; ; attempt++) {
    let verdict: NoticeVerdict;
    try {
      verdict = await look();
    } catch (error) {
      verdict = { confirmed: false, reason: 'unreachable', detail: `asking ${options.authority} failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (verdict.confirmed || verdict.reason === 'on-demand') return verdict;
    const pause = options.pauseMs(attempt);
    if (options.signal?.aborted || options.now() + pause > deadline) return verdict;
    await options.sleep(pause, options.signal);
  }
}

async function checkOnce(cloud: NoticeCloud, instanceId: string): Promise<NoticeVerdict> {
  try {
    const instance = await cloud.describeInstance(instanceId);
    if (!instance) {
      return { confirmed: false, reason: 'unknown-instance', detail: `EC2 does not know ${instanceId}` };
    }
    if (instance.spotInstanceRequestId === undefined) {
      return { confirmed: false, reason: 'on-demand', detail: `${instanceId} is an on-demand instance, which gets no spot notice` };
    }
    const status = await cloud.spotRequestStatus(instance.spotInstanceRequestId);
    if (isInterruptionStatus(status)) {
      return { confirmed: true, evidence: `spot request ${instance.spotInstanceRequestId} is ${status}` };
    }
    if (ENDING_STATES.has(instance.state ?? '')) {
      return { confirmed: true, evidence: `${instanceId} is ${instance.state}` };
    }
    return { confirmed: false, reason: 'not-marked', detail: `spot request ${instance.spotInstanceRequestId} is ${status ?? 'unknown'} and ${instanceId} is ${instance.state ?? 'in an unknown state'}` };
  } catch (error) {
    return { confirmed: false, reason: 'unreachable', detail: `asking EC2 failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * One check per instance at a time, shared by the journal router (which shows the countdown only
 * once EC2 confirms) and the recovery coordinator (which acts only then): a genuine notice costs one
 * round of EC2 calls. A confirmation is kept; a refusal is not, so a genuine notice that follows a
 * forged one is checked afresh.
 */
export class NoticeChecks {
  private readonly confirmed = new Map<string, NoticeVerdict>();
  private readonly inFlight = new Map<string, Promise<NoticeVerdict>>();

  constructor(private readonly check: (region: string, instanceId: string) => Promise<NoticeVerdict>) {}

  confirm(region: string, instanceId: string): Promise<NoticeVerdict> {
    const known = this.confirmed.get(instanceId);
    if (known) {
      return Promise.resolve(known);
    }
    let running = this.inFlight.get(instanceId);
    if (!running) {
      running = this.check(region, instanceId)
        .then((verdict) => {
          if (verdict.confirmed) {
            this.confirmed.set(instanceId, verdict);
          }
          return verdict;
        })
        .finally(() => this.inFlight.delete(instanceId));
      this.inFlight.set(instanceId, running);
    }
    return running;
  }
}

/** The warning logged when a notice is refused (one wording everywhere, so it can be searched for). */
export function unconfirmedNoticeWarning(boxName: string, instanceId: string, verdict: Extract<NoticeVerdict, { confirmed: false }>, authority = 'EC2'): string {
  return `${boxName} (${instanceId}): the box's journal reported a spot notice that ${authority} does not confirm; ignored (${verdict.detail})`;
}

/** Whose word confirms a notice on each cloud: the API the check asks. */
export function noticeAuthority(cloud: string): string {
  return cloud === 'gcp' ? 'Compute Engine' : cloud === 'azure' ? 'Azure' : 'EC2';
}
