import * as assert from 'node:assert/strict';
import { silentLogger } from '../../../src/core/logging/logger';
import { releaseInterruptedBox, type InterruptedBoxCloud, type InterruptedBoxView } from '../../../src/core/recovery/releaseInterruptedBox';

const MINUTE = 60_000;
const LAUNCH = Date.UTC(2026, 0, 5, 9);

/**
 * A fake EC2 on a fake clock: `sleep` moves time on, and the box turns terminated when time reaches
 * `ec2ReclaimsAt` (EC2 acting on its notice) unless Spotbox terminated it first.
 */
function fakeEc2(box: InterruptedBoxView & { ec2ReclaimsAt?: number }) {
  let now = LAUNCH;
  let state = box.state;
  const calls: string[] = [];
  const cloud: InterruptedBoxCloud = {
    describe: async () => {
      if (box.ec2ReclaimsAt !== undefined && now >= box.ec2ReclaimsAt && state === 'running') state = 'terminated';
      return { ...box, state };
    },
    terminate: async (id) => {
      calls.push(`terminate ${id} at ${(now - LAUNCH) / MINUTE} min`);
      state = 'shutting-down';
    },
    releaseLaunch: async (sessionId) => void calls.push(`release ${sessionId} at ${(now - LAUNCH) / MINUTE} min`),
  };
  const options = (at: number, extra: { reclaimAt?: number; signal?: AbortSignal } = {}) => {
    now = at;
    return {
      ...extra,
      now: () => now,
      sleep: async (ms: number) => void (now += ms),
      pollMs: 2_000,
      reclaimGraceMs: 5 * MINUTE,
      logger: silentLogger,
    };
  };
  return { cloud, calls, options, clock: () => now };
}

describe('releaseInterruptedBox', () => {
  it('leaves a box EC2 reclaims in its first hour to EC2, and releases its launch once EC2 has terminated it', async () => {
    const ec2 = fakeEc2({ state: 'running', launchTime: LAUNCH, sessionId: 's-old', ec2ReclaimsAt: LAUNCH + 40 * MINUTE });
    const outcome = await releaseInterruptedBox(ec2.cloud, 'i-old', ec2.options(LAUNCH + 39 * MINUTE, { reclaimAt: LAUNCH + 40 * MINUTE }));
    assert.equal(outcome, 'reclaimed-by-ec2');
    assert.deepEqual(ec2.calls, ['release s-old at 40 min'], 'never terminated by Spotbox; released once EC2 had terminated it');
  });

  it('terminates at once a box whose action time is past its first hour (per-second billing)', async () => {
    const ec2 = fakeEc2({ state: 'running', launchTime: LAUNCH, sessionId: 's-old', ec2ReclaimsAt: LAUNCH + 62 * MINUTE });
    const outcome = await releaseInterruptedBox(ec2.cloud, 'i-old', ec2.options(LAUNCH + 61 * MINUTE, { reclaimAt: LAUNCH + 62 * MINUTE }));
    assert.equal(outcome, 'terminated-by-spotbox');
    assert.deepEqual(ec2.calls, ['terminate i-old at 61 min', 'release s-old at 61 min']);
  });

  it('counts the hour to the action time: reclaimed at 59:59 waits, at 60:00 does not', async () => {
    const young = fakeEc2({ state: 'running', launchTime: LAUNCH, sessionId: 's', ec2ReclaimsAt: LAUNCH + 60 * MINUTE - 1_000 });
    assert.equal(await releaseInterruptedBox(young.cloud, 'i', young.options(LAUNCH + 58 * MINUTE, { reclaimAt: LAUNCH + 60 * MINUTE - 1_000 })), 'reclaimed-by-ec2');
    const old = fakeEc2({ state: 'running', launchTime: LAUNCH, sessionId: 's', ec2ReclaimsAt: LAUNCH + 60 * MINUTE });
    assert.equal(await releaseInterruptedBox(old.cloud, 'i', old.options(LAUNCH + 58 * MINUTE, { reclaimAt: LAUNCH + 60 * MINUTE })), 'terminated-by-spotbox');
  });

  it('terminates it after all when EC2 has not acted by the action time plus the grace period', async () => {
    const ec2 = fakeEc2({ state: 'running', launchTime: LAUNCH, sessionId: 's-old' });
    const outcome = await releaseInterruptedBox(ec2.cloud, 'i-old', ec2.options(LAUNCH + 10 * MINUTE, { reclaimAt: LAUNCH + 12 * MINUTE }));
    assert.equal(outcome, 'terminated-by-spotbox');
    assert.deepEqual(ec2.calls, ['terminate i-old at 17 min', 'release s-old at 17 min'], 'waited until the action time plus 5 minutes, no longer');
  });

  it('a window closing during the wait leaves the launch for the orphan sweep and terminates nothing', async () => {
    const ec2 = fakeEc2({ state: 'running', launchTime: LAUNCH, sessionId: 's-old', ec2ReclaimsAt: LAUNCH + 12 * MINUTE });
    const closing = new AbortController();
    closing.abort();
    const outcome = await releaseInterruptedBox(ec2.cloud, 'i-old', ec2.options(LAUNCH + 10 * MINUTE, { reclaimAt: LAUNCH + 12 * MINUTE, signal: closing.signal }));
    assert.equal(outcome, 'left-for-sweep');
    assert.deepEqual(ec2.calls, []);
  });

  it('without an action time (a box lost without notice) a box still running is terminated, one already gone only released', async () => {
    const running = fakeEc2({ state: 'running', launchTime: LAUNCH, sessionId: 's' });
    assert.equal(await releaseInterruptedBox(running.cloud, 'i', running.options(LAUNCH + 5 * MINUTE)), 'terminated-by-spotbox');
    const gone = fakeEc2({ state: 'terminated', launchTime: LAUNCH, sessionId: 's' });
    assert.equal(await releaseInterruptedBox(gone.cloud, 'i', gone.options(LAUNCH + 5 * MINUTE)), 'already-gone');
    assert.deepEqual(gone.calls, ['release s at 5 min']);
  });

  it('a box EC2 is already shutting down is not terminated again, whatever its age', async () => {
    const ec2 = fakeEc2({ state: 'shutting-down', launchTime: LAUNCH, sessionId: 's' });
    await releaseInterruptedBox(ec2.cloud, 'i', ec2.options(LAUNCH + 90 * MINUTE, { reclaimAt: LAUNCH + 89 * MINUTE }));
    assert.deepEqual(ec2.calls, ['release s at 90 min']);
  });
});
