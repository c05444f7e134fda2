import * as assert from 'node:assert/strict';
import { waitUntilGone } from '../../../src/core/launch/waitUntilGone';
import { PollClock } from '../time/pollClock';

const inUse = (): Error => Object.assign(new Error('resource sg-1 has a dependent object'), { name: 'DependencyViolation' });

describe('waitUntilGone (deleting what a departing instance still uses)', () => {
  it('retries while the cloud says in use, doubling the pause up to 5 s, until the deletion goes through', async () => {
    const clock = new PollClock();
    let calls = 0;
    await clock.drive(
      waitUntilGone(
        async () => {
          if (++calls < 7) throw inUse();
        },
        { retryOn: /DependencyViolation/, clock },
      ),
    );
    assert.equal(calls, 7);
    assert.deepEqual(clock.pauses, [500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it('gives up at the deadline with the cloud\'s own last error, and never retries another error', async () => {
    const clock = new PollClock();
    await assert.rejects(clock.drive(waitUntilGone(() => Promise.reject(inUse()), { retryOn: /DependencyViolation/, timeoutMs: 3_000, clock })), { name: 'DependencyViolation' });
    let calls = 0;
    await assert.rejects(waitUntilGone(() => (calls++, Promise.reject(Object.assign(new Error('no'), { name: 'UnauthorizedOperation' }))), { retryOn: /DependencyViolation/ }), { name: 'UnauthorizedOperation' });
    assert.equal(calls, 1);
  });

  it('stops on a cancel in the middle of its pause', async () => {
    const controller = new AbortController();
    const waiting = waitUntilGone(() => Promise.reject(inUse()), { retryOn: /DependencyViolation/, intervalMs: 60_000, signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
  });
});
