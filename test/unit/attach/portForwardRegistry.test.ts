import * as assert from 'node:assert/strict';
import { PortForwardRegistry } from '../../../src/core/attach/portForwardRegistry';
import type { PortForward } from '../../../src/core/ssh/portForward';

function fakeForward(localPort: number): PortForward & { closedCount: number } {
  const forward = { localPort, closedCount: 0, close: async () => void forward.closedCount++ };
  return forward;
}

describe('PortForwardRegistry', () => {
  it('lists forwards, finds them by box and port, and closes those of boxes that are gone', async () => {
    const registry = new PortForwardRegistry();
    let changes = 0;
    registry.onDidChange(() => changes++);
    const tensorboard = fakeForward(41001);
    const jupyter = fakeForward(41002);
    assert.equal(registry.add('i-a', 'a', 6006, tensorboard).url, 'http://localhost:41001/');
    registry.add('i-b', 'b', 8888, jupyter);
    assert.equal(registry.find('i-a', 6006)?.localPort, 41001);
    await registry.closeGone(new Set(['i-b']));
    assert.equal(tensorboard.closedCount, 1);
    assert.equal(jupyter.closedCount, 0);
    assert.deepEqual(registry.active.map((forward) => forward.instanceId), ['i-b']);
    assert.equal(changes, 3);
  });

  it('ignores a late close notice from a forward that was already replaced', () => {
    const registry = new PortForwardRegistry();
    const first = fakeForward(1);
    const second = fakeForward(2);
    registry.add('i-a', 'a', 6006, first);
    registry.add('i-a', 'a', 6006, second);
    assert.equal(first.closedCount, 1, 'the replaced forward was closed');
    registry.closed('i-a', 6006, first);
    assert.equal(registry.find('i-a', 6006)?.localPort, 2);
    registry.closed('i-a', 6006, second);
    assert.equal(registry.find('i-a', 6006), undefined);
  });
});
