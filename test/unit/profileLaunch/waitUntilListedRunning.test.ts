import * as assert from 'node:assert/strict';
import type { Box } from '../../../src/core/boxes/box';
import type { SpotboxError } from '../../../src/core/errors';
import { waitUntilListedRunning } from '../../../src/core/profileLaunch/waitUntilListedRunning';
import { PollClock } from '../time/pollClock';

const box = (state: Box['state']): Box => ({ cloud: 'aws', instanceId: 'i-0abc', name: 'llama', region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot', state });

describe('waitUntilListedRunning (the launch waits for its box in the list)', () => {
  it('answers the box as listed once it runs, looking every interval', async () => {
    const clock = new PollClock();
    const states: Array<Box['state']> = ['pending', 'pending', 'running'];
    const found = await clock.drive(waitUntilListedRunning(async () => [box(states.shift()!)], 'i-0abc', { intervalMs: 2_000, clock }));
    assert.equal(found.state, 'running');
    assert.deepEqual(clock.pauses, [2_000, 2_000]);
  });

  it('a cancel ends the wait in the middle of a pause, without another look', async () => {
    // The hand-written loop it replaces looked at the signal only after each 2 s pause and the next refresh.
    const clock = new PollClock();
    const controller = new AbortController();
    let looks = 0;
    const waiting = waitUntilListedRunning(async () => (looks++, [box('pending')]), 'i-0abc', { intervalMs: 2_000, clock, signal: controller.signal });
    waiting.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await assert.rejects(waiting, (error: unknown) => (error as Error).name === 'AbortError');
    assert.equal(looks, 1);
  });

  it('gives up after the timeout, saying the instance did not reach running and where to look', async () => {
    const clock = new PollClock();
    await assert.rejects(clock.drive(waitUntilListedRunning(async () => [], 'i-0abc', { intervalMs: 2_000, timeoutMs: 10 * 60_000, clock })), (error: SpotboxError) => /i-0abc did not reach the running state within 10 minutes/.test(error.message) && /EC2 console/.test(error.nextStep ?? ''));
  });

  it("names the box's own cloud's console, not EC2's, for a Google Cloud or Azure box", async () => {
    const clock = new PollClock();
    await assert.rejects(clock.drive(waitUntilListedRunning(async () => [], 'llama-1', { intervalMs: 2_000, timeoutMs: 60_000, clock, cloud: 'azure' })), (error: SpotboxError) => /Azure portal/.test(error.nextStep ?? '') && !/EC2/.test(error.nextStep ?? ''));
  });
});
