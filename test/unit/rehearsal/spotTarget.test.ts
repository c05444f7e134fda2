import * as assert from 'node:assert/strict';
import { instanceArn } from '../../../src/core/rehearsal/spotTarget';

describe('instanceArn', () => {
  it('builds the ARN FIS resolves, in the partition of the region', () => {
    assert.equal(instanceArn('us-east-1', '123456789012', 'i-0abc'), 'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc');
    assert.equal(instanceArn('cn-north-1', '123456789012', 'i-0abc'), 'arn:aws-cn:ec2:cn-north-1:123456789012:instance/i-0abc');
    assert.equal(instanceArn('us-gov-west-1', '123456789012', 'i-0abc'), 'arn:aws-us-gov:ec2:us-gov-west-1:123456789012:instance/i-0abc');
  });
});
