import * as assert from 'node:assert/strict';
import { isCancellation, SpotboxError, UserCancelledError, userMessageOf } from '../../src/core/errors';

describe('errors', () => {
  it('puts the next step after the message', () => {
    assert.equal(
      userMessageOf(new SpotboxError('No AWS credentials found.', 'Run `aws configure` or pick a profile in spotbox.awsProfile.')),
      'No AWS credentials found. Run `aws configure` or pick a profile in spotbox.awsProfile.',
    );
    assert.equal(
      userMessageOf(new SpotboxError('preparing it failed: All configured authentication methods failed', 'Attach to it.')),
      'preparing it failed: All configured authentication methods failed. Attach to it.',
      'a wrapped error that does not end a sentence gets its full stop before the next step',
    );
    assert.equal(userMessageOf(new Error('plain')), 'plain');
    assert.equal(userMessageOf('text'), 'text');
  });

  it('recognises cancellations from the user, VS Code and abort signals', () => {
    assert.equal(isCancellation(new UserCancelledError()), true);
    assert.equal(isCancellation(Object.assign(new Error('x'), { name: 'Canceled' })), true);
    assert.equal(isCancellation(Object.assign(new Error('x'), { name: 'AbortError' })), true);
    assert.equal(isCancellation(new Error('boom')), false);
    assert.equal(isCancellation(undefined), false);
  });
});
