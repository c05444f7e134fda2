import * as assert from 'node:assert/strict';
import { toUserError } from '../../../src/core/aws/awsErrors';
import { userMessageOf } from '../../../src/core/errors';

const context = { action: 'Reading spot prices', region: 'us-east-1' };
const sdkError = (name: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(`${name} happened`), { name, ...extra });

describe('toUserError', () => {
  it('tells a user without credentials what to set', () => {
    const error = toUserError(sdkError('CredentialsProviderError'), context);
    assert.equal(userMessageOf(error), 'No AWS credentials found. Set spotbox.awsProfile or run `aws configure`.');
  });

  it('names the code, region and attempts', () => {
    assert.match(userMessageOf(toUserError(sdkError('AuthFailure'), context)), /refused the credentials .* us-east-1 \(AuthFailure\).*region enabled/);
    assert.match(userMessageOf(toUserError(sdkError('RequestLimitExceeded', { $metadata: { attempts: 3 } }), context)), /throttled Reading spot prices in us-east-1 after 3 attempts\. Wait a minute/);
    assert.match(userMessageOf(toUserError(sdkError('OptInRequired'), context)), /not allowed \(OptInRequired\)/);
  });

  it('separates timeouts from unreachable endpoints', () => {
    assert.match(userMessageOf(toUserError(sdkError('AbortError'), context)), /timed out/);
    assert.match(userMessageOf(toUserError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), context)), /Cannot reach AWS .*\(ENOTFOUND\).*may not be a real region/);
    assert.match(userMessageOf(toUserError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), context)), /Cannot reach AWS .*endpoint_url/);
  });

  it('keeps the cause of anything else', () => {
    const cause = sdkError('InternalError');
    const error = toUserError(cause, context);
    assert.match(error.message, /failed \(InternalError\)/);
    assert.equal(error.cause, cause);
  });
});
