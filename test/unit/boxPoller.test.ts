import * as assert from 'node:assert/strict';
import type { Box } from '../../src/core/boxes/box';
import { BoxPoller } from '../../src/core/boxes/boxPoller';
import { BoxStore } from '../../src/core/boxes/boxStore';
import { silentLogger } from '../../src/core/logging/logger';
import type { Clock } from '../../src/core/time/clock';

class FakeClock implements Clock {
  timers: Array<{ at: number; run: () => void; live: boolean }> = [];
  time = 0;
  now = (): number => this.time;
  setInterval(): { dispose(): void } {
    throw new Error('the poller uses one-shot timers');
  }
  setTimeout(run: () => void, delayMs: number): { dispose(): void } {
    const timer = { at: this.time + delayMs, run, live: true };
    this.timers.push(timer);
    return { dispose: () => (timer.live = false) };
  }
  pending(): number[] {
    return this.timers.filter((timer) => timer.live).map((timer) => timer.at - this.time);
  }
}

const box = (state: Box['state']): Box => ({ cloud: 'aws', instanceId: `i-${state}`, name: state, region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot', state });
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BoxPoller', () => {
  it('polls only while visible: fast while a box is pending, slow otherwise', async () => {
    let boxes = [box('pending')];
    let calls = 0;
    const store = new BoxStore({ description: 'fake', listBoxes: async () => (calls++, boxes) }, silentLogger);
    const clock = new FakeClock();
    const poller = new BoxPoller(store, clock, { fastMs: 3000, slowMs: 60_000 }, silentLogger);
    assert.deepEqual(clock.pending(), [], 'no timer while hidden');

    poller.setVisible(true);
    await settle();
    assert.equal(calls, 1);
    assert.deepEqual(clock.pending(), [3000]);

    boxes = [box('running')];
    clock.time += 3000;
    clock.timers.filter((timer) => timer.live && timer.at <= clock.time).forEach((timer) => timer.run());
    await settle();
    assert.equal(calls, 2);
    assert.deepEqual(clock.pending(), [60_000]);

    poller.setVisible(false);
    assert.deepEqual(clock.pending(), []);
    poller.dispose();
  });

  it('keeps polling slowly after a failed refresh', async () => {
    const store = new BoxStore({ description: 'down', listBoxes: () => Promise.reject(new Error('offline')) }, silentLogger);
    const clock = new FakeClock();
    const poller = new BoxPoller(store, clock, { fastMs: 3000, slowMs: 60_000 }, silentLogger);
    poller.setVisible(true);
    await settle();
    assert.deepEqual(clock.pending(), [60_000]);
    poller.dispose();
    assert.deepEqual(clock.pending(), []);
  });
});
