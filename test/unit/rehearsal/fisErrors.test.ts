import * as assert from 'node:assert/strict';
import { userMessageOf } from '../../../src/core/errors';
import { experimentFailure, fisCallError } from '../../../src/core/rehearsal/fisErrors';

const call = { action: 'starting the FIS experiment', region: 'us-east-1', permission: 'fis:StartExperiment' };
const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

describe('fisCallError', () => {
  it('names the missing permission when AWS denies the call', () => {
    const text = userMessageOf(fisCallError(awsError('AccessDeniedException', 'User is not authorized'), call));
    assert.match(text, /AWS denied starting the FIS experiment in us-east-1 \(AccessDeniedException\)/);
    assert.match(text, /Grant your AWS identity fis:StartExperiment\./);
  });

  it('points a role problem at the trust policy and iam:PassRole', () => {
    const text = userMessageOf(fisCallError(awsError('ValidationException', 'Unable to validate role arn:aws:iam::1:role/x'), call));
    assert.match(text, /refused the role in spotbox\.fisRoleArn/);
    assert.match(text, /fis\.amazonaws\.com/);
    assert.match(text, /iam:PassRole/);
  });

  it('leaves other errors to the shared AWS mapping', () => {
    assert.match(userMessageOf(fisCallError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), call)), /Cannot reach AWS/);
  });
});

describe('experimentFailure', () => {
  it("keeps FIS's reason and suggests the fix it points to", () => {
    const assume = userMessageOf(experimentFailure('i-1', 'EXP1', 'failed', 'Unable to assume role'));
    assert.match(assume, /failed the interruption of i-1 \(experiment EXP1\): Unable to assume role\./);
    assert.match(assume, /trust policy/);
    assert.match(userMessageOf(experimentFailure('i-1', 'EXP1', 'failed', 'User is not authorized to perform ec2:SendSpotInstanceInterruptions')), /Give the role .*ec2:SendSpotInstanceInterruptions/);
    assert.match(userMessageOf(experimentFailure('i-1', 'EXP1', 'failed', "Target resolution returned empty set of resources for target 'SpotInstances'")), /refresh the Spot Boxes view/);
    assert.match(userMessageOf(experimentFailure('i-1', 'EXP1', 'stopped', undefined)), /ended \(stopped\).*FIS console/);
  });
});
