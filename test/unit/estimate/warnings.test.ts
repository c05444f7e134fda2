import * as assert from 'node:assert/strict';
import { estimate } from '../../../src/core/estimate/estimator';
import type { EstimateInput, EstimateOptions, EstimateWarningCode } from '../../../src/core/estimate/estimateTypes';
import { withInput } from './fixtures';

const codes = (input: EstimateInput, options: EstimateOptions = {}): EstimateWarningCode[] => estimate(input, options).warnings.map((warning) => warning.code);

describe('estimate warnings', () => {
  it('says nothing for a well-checkpointed job on a steady AWS pool', () => {
    assert.deepEqual(codes(withInput({ checkpointMinutes: 1, noticeCheckpoint: true })), []);
  });

  it('warns about a long job that never checkpoints, not a short one or one saved on the notice', () => {
    assert.ok(codes(withInput({ checkpointMinutes: 0, computeHours: 20 })).includes('no-checkpointing-long-job'));
    assert.ok(!codes(withInput({ checkpointMinutes: 0, computeHours: 2 })).includes('no-checkpointing-long-job'));
    assert.ok(!codes(withInput({ checkpointMinutes: 0, computeHours: 20, noticeCheckpoint: true })).includes('no-checkpointing-long-job'));
  });

  it('warns when a pessimistic (p90) wall time misses a hard deadline, even if the mean makes it', () => {
    const result = estimate(withInput({}), { deadlineHours: 114 });
    assert.ok(result.expectedWallHours < 114);
    assert.ok(result.warnings.some((warning) => warning.code === 'hard-deadline'));
    assert.ok(!codes(withInput({}), { deadlineHours: 140 }).includes('hard-deadline'));
  });

  it("warns about GCP's 24 h preemptible cap only on GCP and past 24 h", () => {
    assert.ok(codes(withInput({}), { cloud: 'gcp' }).includes('gcp-24h-cap'));
    assert.ok(!codes(withInput({ computeHours: 10 }), { cloud: 'gcp' }).includes('gcp-24h-cap'));
    assert.ok(!codes(withInput({})).includes('gcp-24h-cap'));
  });

  it('warns about latency-sensitive serving', () => {
    assert.ok(codes(withInput({}), { workload: 'serving' }).includes('latency-sensitive-serving'));
    assert.ok(!codes(withInput({}), { workload: 'training' }).includes('latency-sensitive-serving'));
  });

  it('warns when spot costs more, and when the rate is very high', () => {
    assert.ok(codes(withInput({ spotPricePerHour: 97, interruptionsPerHour: 0.2 })).includes('spot-costs-more'));
    assert.ok(codes(withInput({ interruptionsPerHour: 0.2 })).includes('high-interruption-rate'));
    assert.ok(!codes(withInput({ interruptionsPerHour: 0.041 })).includes('high-interruption-rate'));
  });

  it("warns when the notice checkpoint cannot fit in the cloud's notice", () => {
    assert.ok(codes(withInput({ noticeCheckpoint: true, checkpointMinutes: 10 })).includes('notice-checkpoint-too-slow'));
    assert.ok(!codes(withInput({ noticeCheckpoint: true, checkpointMinutes: 1 })).includes('notice-checkpoint-too-slow'));
    assert.ok(codes(withInput({ noticeCheckpoint: true, checkpointMinutes: 1 }), { cloud: 'gcp', deadlineHours: 1000 }).includes('notice-checkpoint-too-slow'));
  });
});
