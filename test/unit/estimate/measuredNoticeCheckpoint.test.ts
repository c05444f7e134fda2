import * as assert from 'node:assert/strict';
import { estimate } from '../../../src/core/estimate/estimator';
import { simulateJob } from '../../../src/core/estimate/monteCarlo';
import { EstimateInputError } from '../../../src/core/estimate/estimateTypes';
import { withInput } from './fixtures';

describe('estimator: a measured notice checkpoint counts only where it fits the notice', () => {
  const onNotice = withInput({ noticeCheckpoint: true, checkpointMinutes: 0.5 });

  it('counts a measured notice checkpoint that fits, exactly as an unmeasured one', () => {
    const fitting = estimate({ ...onNotice, measuredNoticeCheckpoint: { uploadSeconds: 40, usableSeconds: 55 } });
    assert.equal(fitting.expectedWallHours, estimate(onNotice).expectedWallHours);
    assert.deepEqual(fitting.warnings.map((warning) => warning.code), []);
  });

  it('drops one too slow for the notice: the job runs on periodic checkpoints, and says so', () => {
    const tooSlow = estimate({ ...onNotice, measuredNoticeCheckpoint: { uploadSeconds: 80, usableSeconds: 55 } });
    const withoutNotice = estimate({ ...onNotice, noticeCheckpoint: false });
    assert.equal(tooSlow.expectedWallHours, withoutNotice.expectedWallHours);
    assert.equal(tooSlow.checkpointIntervalMinutes, withoutNotice.checkpointIntervalMinutes);
    assert.ok(tooSlow.spotCost > estimate(onNotice).spotCost);
    const warning = tooSlow.warnings.find((candidate) => candidate.code === 'notice-checkpoint-too-slow');
    assert.match(warning?.message ?? '', /about 80 s to upload, more than the 55 s the notice leaves it: the estimate does not count it/);
  });

  it('the simulation follows the same rule', () => {
    const input = { ...onNotice, measuredNoticeCheckpoint: { uploadSeconds: 80, usableSeconds: 55 } };
    const options = { runs: 200, seed: 7 };
    assert.equal(simulateJob(input, options).meanWallHours, simulateJob({ ...onNotice, noticeCheckpoint: false }, options).meanWallHours);
  });

  it('refuses a measurement that is not a number', () => {
    assert.throws(() => estimate({ ...onNotice, measuredNoticeCheckpoint: { uploadSeconds: NaN, usableSeconds: 55 } }), EstimateInputError);
  });
});
