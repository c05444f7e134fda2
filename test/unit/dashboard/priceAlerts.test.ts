import * as assert from 'node:assert/strict';
import { costOfBox, type BoxCost } from '../../../src/core/billing/boxCost';
import { parsePriceAlertSetting, PriceAlertWatcher } from '../../../src/core/dashboard/priceAlerts';
import { box, HOUR, T0 } from './fixtures';

/** One box's cost at a given spot price (undefined: the price is unknown right now). */
function at(price: number | undefined, overrides: Parameters<typeof box>[0] = {}): BoxCost {
  const history = price === undefined ? undefined : [{ timestamp: T0, usdPerHour: price }];
  return costOfBox(box(overrides), T0 + HOUR, { startMs: T0, history, onDemandUsdPerHour: 5 });
}

describe('PriceAlertWatcher', () => {
  it('warns once when a box crosses the level, and again only after it came back down', () => {
    const watcher = new PriceAlertWatcher();
    assert.deepEqual(watcher.check(1, [at(0.8)]), []);
    const crossed = watcher.check(1, [at(1.2)]);
    assert.deepEqual(crossed.map((alert) => [alert.boxName, alert.usdPerHour, alert.thresholdUsdPerHour]), [['llama', 1.2, 1]]);
    assert.deepEqual(watcher.check(1, [at(1.5)]), [], 'still above: no second warning');
    assert.deepEqual(watcher.check(1, [at(undefined)]), [], 'an unknown price neither warns nor re-arms');
    assert.deepEqual(watcher.check(1, [at(1.4)]), []);
    assert.deepEqual(watcher.check(1, [at(1.0)]), [], 'at the level is not above it');
    assert.equal(watcher.check(1, [at(1.1)]).length, 1, 'a new crossing warns again');
  });

  it('treats each box on its own, ignores on-demand boxes, and starts over when the level changes', () => {
    const watcher = new PriceAlertWatcher();
    const alerts = watcher.check(1, [at(2, { instanceId: 'i-a', name: 'a' }), at(0.5, { instanceId: 'i-b', name: 'b' }), at(9, { instanceId: 'i-c', name: 'c', lifecycle: 'on-demand' })]);
    assert.deepEqual(alerts.map((alert) => alert.boxName), ['a']);
    assert.deepEqual(watcher.check(1, [at(2, { instanceId: 'i-a', name: 'a' }), at(1.5, { instanceId: 'i-b', name: 'b' })]).map((alert) => alert.boxName), ['b']);
    assert.deepEqual(watcher.check(1.8, [at(2, { instanceId: 'i-a', name: 'a' }), at(1.5, { instanceId: 'i-b', name: 'b' })]).map((alert) => alert.boxName), ['a']);
    assert.deepEqual(watcher.check(undefined, [at(50)]), [], 'no level, no alert');
  });
});

describe('parsePriceAlertSetting', () => {
  it('turns the alert on for a positive number and off for 0 or nothing; anything else is a problem', () => {
    assert.deepEqual(parsePriceAlertSetting(2.5), { usdPerHour: 2.5 });
    assert.deepEqual(parsePriceAlertSetting(0), {});
    assert.deepEqual(parsePriceAlertSetting(undefined), {});
    assert.deepEqual(parsePriceAlertSetting(null), {});
    for (const bad of [-1, '3', Number.NaN, Infinity]) {
      const parsed = parsePriceAlertSetting(bad);
      assert.equal(parsed.usdPerHour, undefined);
      assert.match(parsed.problem ?? '', /positive number/);
    }
  });
});
