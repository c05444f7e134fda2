import * as assert from 'node:assert/strict';
import { SpotboxError, isCancellation } from '../../../src/core/errors';
import { done, notYet, pollUntil, PollTimeoutError } from '../../../src/core/time/poll';
import { PollClock } from './pollClock';

describe('pollUntil', () => {
  it('resolves with the value of the first look that is done, after fixed pauses', async () => {
    const clock = new PollClock();
    const looks: number[] = [];
    const value = await clock.drive(pollUntil(async ({ attempt }) => (looks.push(clock.now()), attempt === 3 ? done('ready') : notYet('pending')), { describe: 'the box', intervalMs: 500, clock }));
    assert.equal(value, 'ready');
    assert.deepEqual(looks, [0, 500, 1000, 1500]);
  });

  it('grows the pause by the backoff factor up to the cap', async () => {
    const clock = new PollClock();
    await clock.drive(pollUntil(async ({ attempt }) => (attempt === 6 ? done(undefined) : notYet()), { describe: 'x', intervalMs: 100, backoffFactor: 2, maxIntervalMs: 1_000, clock }));
    assert.deepEqual(clock.pauses, [100, 200, 400, 800, 1_000, 1_000]);
  });

  it('waits before the first look when asked to', async () => {
    const clock = new PollClock();
    const looks: number[] = [];
    await clock.drive(pollUntil(async () => (looks.push(clock.now()), done(1)), { describe: 'x', intervalMs: 100, firstLookAfterMs: 250, clock }));
    assert.deepEqual(looks, [250]);
  });

  it('times out naming what was awaited and what it saw last, with one last look at the deadline', async () => {
    const clock = new PollClock();
    const looks: number[] = [];
    const error = await clock
      .drive(pollUntil(async () => (looks.push(clock.now()), notYet('shutting-down')), { describe: 'i-0abc to be terminated', intervalMs: 400, timeoutMs: 1_000, clock }))
      .then(() => assert.fail('resolved'), (rejected: unknown) => rejected);
    assert.ok(error instanceof PollTimeoutError && error instanceof SpotboxError);
    assert.match(error.message, /i-0abc to be terminated after 1 s and 4 attempt\(s\) \(last seen: shutting-down\)/);
    assert.deepEqual(looks, [0, 400, 800, 1_000]);
  });

  it('gives up after maxAttempts with the caller\'s own error, which sees the last retried error', async () => {
    const clock = new PollClock();
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    let calls = 0;
    const error = await clock
      .drive(
        pollUntil(
          async () => {
            calls++;
            throw refused;
          },
          { describe: 'sshd', intervalMs: 10, maxAttempts: 3, clock, retryOn: (e) => (e as { code?: string }).code === 'ECONNREFUSED', timeoutError: (giveUp) => giveUp.lastError as Error },
        ),
      )
      .then(() => assert.fail('resolved'), (rejected: unknown) => rejected);
    assert.equal(error, refused);
    assert.equal(calls, 3);
  });

  it('rejects at once with an error the check throws that retryOn does not take', async () => {
    const clock = new PollClock();
    let calls = 0;
    await assert.rejects(
      clock.drive(
        pollUntil(
          async ({ attempt }) => {
            calls++;
            if (attempt === 1) throw new Error('AuthFailure');
            return notYet();
          },
          { describe: 'x', intervalMs: 10, timeoutMs: 10_000, clock, retryOn: (e) => /Throttl/.test(String(e)) },
        ),
      ),
      /AuthFailure/,
    );
    assert.equal(calls, 2);
  });

  it('rejects with the signal\'s reason when cancelled in the middle of a pause, and looks no more', async () => {
    const clock = new PollClock();
    const controller = new AbortController();
    let calls = 0;
    const waiting = pollUntil(async () => (calls++, notYet()), { describe: 'x', intervalMs: 60_000, signal: controller.signal, clock });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('the user cancelled'));
    await assert.rejects(waiting, /the user cancelled/);
    assert.equal(calls, 1);
    assert.ok(!clock.runNext(), 'the pause timer was disposed');
  });

  it('rejects with an AbortError before looking when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const error = await pollUntil(async () => (calls++, done(1)), { describe: 'x', intervalMs: 1, signal: controller.signal }).catch((rejected: unknown) => rejected);
    assert.ok(isCancellation(error));
    assert.equal(calls, 0);
  });

  it('takes an abort surfacing through the check as the cancel, not as a retried error', async () => {
    const controller = new AbortController();
    const error = await pollUntil(
      async () => {
        controller.abort(new Error('stopped'));
        throw new Error('socket closed');
      },
      { describe: 'x', intervalMs: 1, signal: controller.signal, retryOn: () => true },
    ).catch((rejected: unknown) => rejected);
    assert.match(String(error), /stopped/);
  });

  it('uses an injected sleep instead of the clock\'s timers', async () => {
    const pauses: number[] = [];
    const value = await pollUntil(async ({ attempt }) => (attempt === 2 ? done('x') : notYet()), { describe: 'x', intervalMs: 5, backoffFactor: 3, sleep: async (ms) => void pauses.push(ms) });
    assert.equal(value, 'x');
    assert.deepEqual(pauses, [5, 15]);
  });
});
