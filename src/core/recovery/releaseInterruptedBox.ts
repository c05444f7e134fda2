import { reclaimedInFirstHour } from '../billing/firstHourInterruption';
import type { Logger } from '../logging/logger';

/** What the release needs to know of the old instance, read from EC2. */
export interface InterruptedBoxView {
  readonly state?: string;
  /** EC2's launch time (epoch ms): the first hour is counted from it. */
  readonly launchTime?: number;
  /** The launch's `spotbox:session` tag: its key pair, group and template carry the same one. */
  readonly sessionId?: string;
}

export interface InterruptedBoxCloud {
  describe(instanceId: string): Promise<InterruptedBoxView | undefined>;
  terminate(instanceId: string): Promise<void>;
  /** Removes what the launch created (key pair, group, template, and its instance if one is still there). */
  releaseLaunch(sessionId: string | undefined): Promise<void>;
}

export interface ReleaseInterruptedOptions {
  /** When EC2 reclaims the box: the notice's action time. Absent (a box lost without notice): nothing to wait for. */
  readonly reclaimAt?: number;
  /** Ends a wait for EC2; the launch's resources are then left for the orphan sweep. */
  readonly signal?: AbortSignal;
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly pollMs: number;
  /** After the action time, how long EC2 gets to finish terminating before Spotbox does it itself. */
  readonly reclaimGraceMs: number;
  readonly logger: Logger;
}

export type InterruptedBoxOutcome = 'reclaimed-by-ec2' | 'terminated-by-spotbox' | 'already-gone' | 'left-for-sweep';

// A stopped box (a stop or hibernate interruption) is released too: terminating it then costs no
// compute, and its disk would bill on.
const ENDED = ['terminated', 'stopped'];
const RUNNING = ['pending', 'running'];

/**
 * Ends the interrupted box's part once the replacement runs. A spot box EC2 reclaims in its first
 * hour is not charged, one Spotbox terminates is: so a box whose action time falls in its first hour
 * is left to EC2 (its trainer has already saved and exited on the notice, its alias and terminals
 * have moved), and its launch's resources go once EC2 has terminated it. Any other box is
 * terminated at once, since beyond the first hour every second bills. If EC2 has not acted by the
 * action time plus a grace period, Spotbox terminates the box after all rather than let it run on.
 */
export async function releaseInterruptedBox(cloud: InterruptedBoxCloud, instanceId: string, options: ReleaseInterruptedOptions): Promise<InterruptedBoxOutcome> {
  const box = await cloud.describe(instanceId).catch(() => undefined);
  const sessionId = box?.sessionId;
  if (box === undefined || ENDED.includes(box.state ?? '')) {
    await cloud.releaseLaunch(sessionId);
    return 'already-gone';
  }
  if (RUNNING.includes(box.state ?? '') && reclaimedInFirstHour(box.launchTime, options.reclaimAt)) {
    options.logger.info(`${instanceId} is in its first hour: left for EC2 to reclaim at ${new Date(options.reclaimAt!).toISOString()}, which AWS does not charge for`);
    const { state, aborted } = await waitForReclaim(cloud, instanceId, options.reclaimAt!, options);
    if (aborted) {
      options.logger.info(`stopped waiting for EC2 to reclaim ${instanceId}; the orphan sweep removes its launch's resources once it is gone`);
      return 'left-for-sweep';
    }
    if (!RUNNING.includes(state ?? '')) {
      await cloud.releaseLaunch(sessionId);
      return 'reclaimed-by-ec2';
    }
    options.logger.warn(`EC2 had not reclaimed ${instanceId} ${Math.round(options.reclaimGraceMs / 1000)} s after its action time; terminating it`);
  }
  if (RUNNING.includes(box.state ?? '')) {
    await cloud.terminate(instanceId).catch((error: unknown) => options.logger.warn(`terminating ${instanceId} failed: ${String(error)}`));
  }
  await cloud.releaseLaunch(sessionId);
  return 'terminated-by-spotbox';
}

/** Sleeps until the action time, then polls until the box has ended or the grace period is over. */
async function waitForReclaim(cloud: InterruptedBoxCloud, instanceId: string, reclaimAt: number, options: ReleaseInterruptedOptions): Promise<{ state?: string; aborted?: true }> {
  const deadline = reclaimAt + options.reclaimGraceMs;
  let pause = Math.max(0, reclaimAt - options.now());
  for (;;) {
    await options.sleep(pause, options.signal);
    if (options.signal?.aborted) {
      return { aborted: true };
    }
    const view = await cloud.describe(instanceId).catch(() => ({ state: 'unknown' }));
    // An instance EC2 no longer lists is gone.
    const state = view === undefined ? 'terminated' : view.state;
    if (ENDED.includes(state ?? '') || options.now() >= deadline) {
      return { state };
    }
    pause = Math.min(options.pollMs, Math.max(0, deadline - options.now()));
  }
}
