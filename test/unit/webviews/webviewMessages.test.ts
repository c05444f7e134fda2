import * as assert from 'node:assert/strict';
import { calculatorMessageOf, dashboardMessageOf } from '../../../src/webviews/webviewMessages';

describe('webview messages are checked at run time before a panel acts on them', () => {
  it('takes the calculator\'s protocol messages, and only their known fields', () => {
    assert.deepEqual(calculatorMessageOf({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(calculatorMessageOf({ type: 'launch', poolId: 'aws/us-east-1/g5.xlarge' }), { type: 'launch', poolId: 'aws/us-east-1/g5.xlarge' });
    assert.deepEqual(calculatorMessageOf({ type: 'estimate', inputs: { jobHours: 5 } }), { type: 'estimate', inputs: { jobHours: 5 } });
  });

  it('drops anything else: unknown types, missing or wrongly typed fields, non-objects', () => {
    for (const raw of [undefined, null, 'ready', { type: 'terminate' }, { type: 'launch' }, { type: 'launch', poolId: 42 }, { type: 'launch', poolId: 'x'.repeat(201) }, { type: 'estimate', inputs: 'all' }]) {
      assert.equal(calculatorMessageOf(raw), undefined, JSON.stringify(raw));
    }
    assert.deepEqual(dashboardMessageOf({ type: 'launchBox', profile: '../x' }), { type: 'launchBox' });
    assert.equal(dashboardMessageOf({ type: 'runCommand', command: 'workbench.action.terminal.sendSequence' }), undefined);
  });
});
