import * as assert from 'node:assert/strict';
import { SpotboxError, userMessageOf } from '../../../src/core/errors';
import { FIS_ROLE_DOC, isoDurationOf, validateRehearsalRequest, type RehearsalRequest } from '../../../src/core/rehearsal/rehearsalRequest';

const ROLE = 'arn:aws:iam::123456789012:role/SpotboxFisRole';
const request = (overrides: Partial<RehearsalRequest> = {}): RehearsalRequest => ({
  region: 'us-east-1',
  instanceId: 'i-0123456789abcdef0',
  roleArn: ROLE,
  leadSeconds: 120,
  ...overrides,
});
const refusal = (overrides: Partial<RehearsalRequest>): SpotboxError => {
  try {
    validateRehearsalRequest(request(overrides));
  } catch (error) {
    assert.ok(error instanceof SpotboxError, String(error));
    assert.ok(error.nextStep, 'every refusal names a next step');
    return error;
  }
  assert.fail(`accepted ${JSON.stringify(overrides)}`);
};

describe('validateRehearsalRequest', () => {
  it('accepts a 2-minute lead on AWS and writes it as FIS expects', () => {
    assert.deepEqual(validateRehearsalRequest(request()), {
      region: 'us-east-1',
      instanceId: 'i-0123456789abcdef0',
      roleArn: ROLE,
      leadSeconds: 120,
      durationBeforeInterruption: 'PT2M',
    });
  });

  it('keeps to FIS limits of 2 to 15 minutes unless a short lead is allowed', () => {
    assert.equal(validateRehearsalRequest(request({ leadSeconds: 900 })).durationBeforeInterruption, 'PT15M');
    assert.match(refusal({ leadSeconds: 119 }).message, /from 120 to 900/);
    assert.match(refusal({ leadSeconds: 901 }).message, /from 120 to 900/);
    assert.match(refusal({ leadSeconds: 901, allowShortLead: true }).message, /from 1 to 900/);
    assert.match(refusal({ leadSeconds: 0, allowShortLead: true }).message, /not 0/);
    assert.match(refusal({ leadSeconds: 2.5, allowShortLead: true }).message, /whole number/);
    assert.match(refusal({ leadSeconds: Number.NaN }).message, /not NaN/);
    assert.equal(validateRehearsalRequest(request({ leadSeconds: 3, allowShortLead: true })).durationBeforeInterruption, 'PT3S');
  });

  it('refuses a missing role with the setting to fill in, the permission and the AWS guide', () => {
    for (const roleArn of ['', '   ']) {
      const text = userMessageOf(refusal({ roleArn }));
      assert.match(text, /set spotbox\.fisRoleArn/i);
      assert.match(text, /ec2:SendSpotInstanceInterruptions/);
      assert.ok(text.includes(FIS_ROLE_DOC), text);
    }
  });

  it('refuses what is not an IAM role ARN, and trims one that is', () => {
    assert.match(refusal({ roleArn: 'SpotboxFisRole' }).message, /not an IAM role ARN/);
    assert.match(refusal({ roleArn: 'arn:aws:iam::123456789012:user/alice' }).message, /not an IAM role ARN/);
    assert.match(refusal({ roleArn: 'arn:aws:iam::12345:role/x' }).message, /not an IAM role ARN/);
    assert.equal(validateRehearsalRequest(request({ roleArn: ` ${ROLE} ` })).roleArn, ROLE);
    assert.equal(validateRehearsalRequest(request({ roleArn: 'arn:aws-us-gov:iam::123456789012:role/ops/Fis' })).roleArn, 'arn:aws-us-gov:iam::123456789012:role/ops/Fis');
  });

  it('refuses a malformed region or instance id before any call', () => {
    assert.match(refusal({ region: 'Virginia' }).message, /not an AWS region/);
    assert.match(refusal({ instanceId: 'sir-12345' }).message, /not an EC2 instance id/);
  });
});

describe('isoDurationOf', () => {
  it('writes whole minutes in minutes and anything else in seconds', () => {
    assert.equal(isoDurationOf(120), 'PT2M');
    assert.equal(isoDurationOf(600), 'PT10M');
    assert.equal(isoDurationOf(150), 'PT150S');
    assert.equal(isoDurationOf(5), 'PT5S');
  });
});
