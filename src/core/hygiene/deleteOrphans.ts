import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { toUserError } from '../aws/awsErrors';
import { isCancellation } from '../errors';
import type { Logger } from '../logging/logger';
import { waitUntilGone } from '../launch/waitUntilGone';
import { done, notYet, pollUntil } from '../time/poll';
import { describeOrphan } from './orphanLabels';
import type { HygieneCloud, Orphan, SweepProgress, SweepResult } from './orphanTypes';

export interface DeleteOrphansOptions {
  /** Where launches keep private keys: `<keyDirectory>/<KeyName>.pem` goes with its key pair. */
  readonly keyDirectory: string;
  readonly logger: Logger;
  /** Stops before the next deletion; what was not attempted is reported as skipped. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SweepProgress) => void;
  /** How long terminated instances may take to be gone (EC2: usually under two minutes). */
  readonly instanceTimeoutMs?: number;
  /** How long a group may stay in use (DependencyViolation) after its instance is gone. */
  readonly groupTimeoutMs?: number;
  readonly pollIntervalMs?: number;
}

// EC2's *.NotFound codes: somebody (another sweep, the console) deleted it first, which is the goal.
const ALREADY_GONE = /NotFound/;
// Key pair names come from the cloud: never let one reach outside the key folder.
const SAFE_KEY_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * Deletes the orphans the user picked, every region at once, in the order their dependencies allow:
 * EC2 Fleets (deleted with their instances, so that nothing launches a replacement for what follows),
 * instances (terminated, then waited for until gone), launch templates, key pairs with their local
 * private key files, and security groups (retried while EC2 still counts a departing instance as a
 * user). One resource failing does not stop the others; the result says what happened to each.
 */
export async function deleteOrphans(cloud: HygieneCloud, selected: readonly Orphan[], options: DeleteOrphansOptions): Promise<SweepResult> {
  const result: Mutable<SweepResult> = { deleted: [], failed: [], skipped: [] };
  const progress = (message: string): void => {
    options.onProgress?.({ message, done: result.deleted.length + result.failed.length + result.skipped.length, total: selected.length });
  };
  const chosenInstances = new Set(selected.filter((orphan) => orphan.kind === 'instance').map((orphan) => orphan.id));
  const runnable: Orphan[] = [];
  for (const orphan of selected) {
    const kept = (orphan.dependsOnInstances ?? []).filter((id) => !chosenInstances.has(id));
    if (kept.length > 0) {
      result.skipped.push({ orphan, reason: `kept with its stopped box ${kept.join(', ')}, which was not selected` });
    } else {
      runnable.push(orphan);
    }
  }
  const regions = [...new Set(runnable.map((orphan) => orphan.region))];
  await Promise.all(regions.map((region) => new RegionSweep(cloud, region, runnable.filter((orphan) => orphan.region === region), options, result, progress).run()));
  return result;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends ReadonlyArray<infer U> ? U[] : T[K] };

class RegionSweep {
  private readonly failedInstances = new Set<string>();
  /** Sessions whose fleet could not be deleted: it may still launch from their template, key pair and group. */
  private readonly failedFleetSessions = new Set<string>();

  constructor(
    private readonly cloud: HygieneCloud,
    private readonly region: string,
    private readonly orphans: readonly Orphan[],
    private readonly options: DeleteOrphansOptions,
    private readonly result: Mutable<SweepResult>,
    private readonly progress: (message: string) => void,
  ) {}

  async run(): Promise<void> {
    for (const orphan of this.ofKind('fleet')) {
      await this.attempt(orphan, () => this.cloud.deleteFleet(this.region, orphan.id));
      if (orphan.sessionId !== undefined && this.result.failed.some((failure) => failure.orphan === orphan)) {
        this.failedFleetSessions.add(orphan.sessionId);
      }
    }
    await this.instances(this.orphans.filter((orphan) => orphan.kind === 'instance'));
    for (const orphan of this.ofKind('launch-template')) {
      await this.attempt(orphan, () => this.cloud.deleteLaunchTemplate(this.region, orphan.id));
    }
    for (const orphan of this.ofKind('key-pair')) {
      await this.attempt(orphan, async () => {
        await this.cloud.deleteKeyPair(this.region, orphan.id);
        await this.removeKeyFile(orphan.id);
      });
    }
    const pollIntervalMs = this.options.pollIntervalMs ?? 2_000;
    await Promise.all(
      this.ofKind('security-group').map((orphan) =>
        this.attempt(orphan, () =>
          waitUntilGone(() => this.cloud.deleteSecurityGroup(this.region, orphan.id), {
            retryOn: /DependencyViolation/,
            describe: `security group ${orphan.id} to be free`,
            timeoutMs: this.options.groupTimeoutMs ?? 180_000,
            intervalMs: Math.min(pollIntervalMs, 500),
            ...(this.options.signal ? { signal: this.options.signal } : {}),
          }),
        ),
      ),
    );
  }

  /** Non-instance orphans of one kind whose stopped box (if any) is really gone and whose fleet (if any) was deleted. */
  private ofKind(kind: Orphan['kind']): Orphan[] {
    const ready: Orphan[] = [];
    for (const orphan of this.orphans.filter((candidate) => candidate.kind === kind)) {
      if (orphan.sessionId !== undefined && this.failedFleetSessions.has(orphan.sessionId)) {
        this.result.skipped.push({ orphan, reason: 'its EC2 Fleet could not be deleted, and may still launch from it' });
        continue;
      }
      const stuck = (orphan.dependsOnInstances ?? []).filter((id) => this.failedInstances.has(id));
      if (stuck.length > 0) {
        this.result.skipped.push({ orphan, reason: `its stopped box ${stuck.join(', ')} could not be terminated` });
      } else {
        ready.push(orphan);
      }
    }
    return ready;
  }

  private async instances(orphans: readonly Orphan[]): Promise<void> {
    if (orphans.length === 0) return;
    if (this.options.signal?.aborted) {
      this.skipCancelled(orphans);
      return;
    }
    this.progress(`Terminating ${orphans.length} instance(s) in ${this.region}`);
    const ids = orphans.map((orphan) => orphan.id);
    const terminated: Orphan[] = [];
    try {
      await this.cloud.terminateInstances(this.region, ids);
      terminated.push(...orphans);
    } catch {
      // One bad id fails the whole call: retry one by one so the others still go.
      for (const orphan of orphans) {
        try {
          await this.cloud.terminateInstances(this.region, [orphan.id]);
          terminated.push(orphan);
        } catch (error) {
          this.failedInstances.add(orphan.id);
          this.fail(orphan, error);
        }
      }
    }
    if (terminated.length === 0) return;
    this.progress(`Waiting for ${terminated.length} instance(s) in ${this.region} to be gone`);
    const remaining = await this.waitForInstances(terminated.map((orphan) => orphan.id));
    for (const orphan of terminated) {
      if (remaining.includes(orphan.id)) {
        const seconds = Math.round((this.options.instanceTimeoutMs ?? 300_000) / 1000);
        const when = this.options.signal?.aborted ? 'when the sweep was cancelled' : `after ${seconds} s`;
        this.failedInstances.add(orphan.id);
        this.result.failed.push({ orphan, message: `${orphan.id} in ${this.region} was still shutting down ${when}; run the sweep again later.` });
      } else {
        this.succeed(orphan);
      }
    }
  }

  /** Polls until the instances are terminated; resolves with those that are not by the deadline or a cancel. */
  private async waitForInstances(ids: readonly string[]): Promise<string[]> {
    let remaining = [...ids];
    try {
      await pollUntil(
        async () => {
          try {
            remaining = await this.cloud.remainingInstances(this.region, remaining);
          } catch (error) {
            // A failed look is not an answer: the next one may succeed.
            this.options.logger.warn(`checking instances in ${this.region}: ${error instanceof Error ? error.message : String(error)}`);
          }
          return remaining.length === 0 ? done(undefined) : notYet(remaining.join(', '));
        },
        {
          describe: `instances in ${this.region} to be terminated`,
          intervalMs: this.options.pollIntervalMs ?? 2_000,
          timeoutMs: this.options.instanceTimeoutMs ?? 300_000,
          ...(this.options.signal ? { signal: this.options.signal } : {}),
        },
      );
    } catch {
      // Timed out or cancelled: the caller reports what is still there.
    }
    return remaining;
  }

  private async removeKeyFile(keyName: string): Promise<void> {
    if (!SAFE_KEY_FILE_NAME.test(keyName)) {
      this.options.logger.warn(`not looking for a local key file of "${keyName}": the name is not a plain file name`);
      return;
    }
    await fs.rm(path.join(this.options.keyDirectory, `${keyName}.pem`), { force: true });
  }

  private async attempt(orphan: Orphan, remove: () => Promise<void>): Promise<void> {
    if (this.options.signal?.aborted) {
      this.skipCancelled([orphan]);
      return;
    }
    this.progress(`Deleting ${describeOrphan(orphan)} in ${this.region}`);
    try {
      await remove();
      this.succeed(orphan);
    } catch (error) {
      const name = (error as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string' && ALREADY_GONE.test(name)) {
        this.succeed(orphan);
      } else if (this.options.signal?.aborted && isCancellation(error)) {
        // Cancelled while waiting for a group to be free: not attempted to the end, so not a failure.
        this.skipCancelled([orphan]);
      } else {
        this.fail(orphan, error);
      }
    }
  }

  private succeed(orphan: Orphan): void {
    this.options.logger.info(`swept ${describeOrphan(orphan)} in ${this.region}`);
    this.result.deleted.push(orphan);
  }

  private fail(orphan: Orphan, error: unknown): void {
    const message = toUserError(error, { action: `Deleting ${describeOrphan(orphan)}`, region: this.region }).message;
    this.options.logger.warn(message);
    this.result.failed.push({ orphan, message });
  }

  private skipCancelled(orphans: readonly Orphan[]): void {
    this.result.skipped.push(...orphans.map((orphan) => ({ orphan, reason: 'the sweep was cancelled' })));
  }
}
