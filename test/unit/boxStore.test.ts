import * as assert from 'node:assert/strict';
import type { Box } from '../../src/core/boxes/box';
import { BoxStore, noBoxSource, type BoxSource } from '../../src/core/boxes/boxStore';
import { silentLogger } from '../../src/core/logging/logger';

const box = (name: string, instanceId: string): Box => ({
  cloud: 'aws',
  instanceId,
  name,
  region: 'us-west-2',
  availabilityZone: 'us-west-2b',
  instanceType: 'g6.xlarge',
  lifecycle: 'spot',
  state: 'running',
});

describe('BoxStore', () => {
  it('starts empty and fires a sorted list after a refresh', async () => {
    const source: BoxSource = { description: 'test', listBoxes: async () => [box('zeta', 'i-2'), box('alpha', 'i-9'), box('alpha', 'i-1')] };
    const store = new BoxStore(source, silentLogger);
    assert.deepEqual(store.boxes, []);
    const fired: string[][] = [];
    store.onDidChange((boxes) => fired.push(boxes.map((b) => b.instanceId)));
    await store.refresh();
    assert.deepEqual(fired, [['i-1', 'i-9', 'i-2']]);
  });

  it('shares one fetch between concurrent refreshes', async () => {
    let calls = 0;
    const store = new BoxStore({ description: 'counting', listBoxes: async () => (calls++, []) }, silentLogger);
    await Promise.all([store.refresh(), store.refresh(), store.refresh()]);
    assert.equal(calls, 1);
    await store.refresh();
    assert.equal(calls, 2);
  });

  it('ignores a slow answer from a source that was replaced meanwhile', async () => {
    let release: (boxes: Box[]) => void = () => undefined;
    const slow: BoxSource = { description: 'slow', listBoxes: () => new Promise((resolve) => (release = resolve)) };
    const store = new BoxStore(slow, silentLogger);
    const stale = store.refresh();
    await store.setSource({ description: 'fast', listBoxes: async () => [box('fresh', 'i-fresh')] });
    release([box('stale', 'i-stale')]);
    await stale;
    assert.deepEqual(store.boxes.map((b) => b.instanceId), ['i-fresh']);
  });

  it('passes a failing source\'s error to the caller and keeps the last list', async () => {
    const store = new BoxStore(noBoxSource, silentLogger);
    await store.setSource({ description: 'ok', listBoxes: async () => [box('kept', 'i-kept')] });
    await assert.rejects(store.setSource({ description: 'down', listBoxes: () => Promise.reject(new Error('unreachable')) }), /unreachable/);
    assert.deepEqual(store.boxes.map((b) => b.instanceId), ['i-kept']);
  });
});
