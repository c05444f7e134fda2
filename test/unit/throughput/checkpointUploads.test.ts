import * as assert from 'node:assert/strict';
import { KEPT_UPLOAD_SAMPLES, MIN_SAMPLE_BYTES, uploadBytesPerSecond, withCommittedCheckpoint, type CheckpointUploads, type CommittedCheckpoint } from '../../../src/core/throughput/checkpointUploads';

const MB = 1e6;
const committed = (time: number, overrides: Partial<CommittedCheckpoint> = {}): CommittedCheckpoint => ({ time, instanceId: 'i-1', reason: 'periodic', bytes: 500 * MB, uploadedBytes: 100 * MB, seconds: 2, ...overrides });
const fold = (events: readonly CommittedCheckpoint[], start?: CheckpointUploads): CheckpointUploads => events.reduce<CheckpointUploads | undefined>((uploads, event) => withCommittedCheckpoint(uploads, event), start)!;

describe('checkpoint upload measurements (from checkpoint-committed)', () => {
  it('measures MB/s as uploadedBytes / seconds, and keeps the whole size of the newest checkpoint', () => {
    const uploads = fold([committed(1_000, { bytes: 2_000 * MB, uploadedBytes: 300 * MB, seconds: 3 })]);
    assert.equal(uploadBytesPerSecond(uploads), 100 * MB);
    assert.deepEqual(uploads.last, { at: 1_000, instanceId: 'i-1', bytes: 2_000 * MB, reason: 'periodic' });
  });

  it('ignores uploads too small to say anything about bandwidth, but still takes their size', () => {
    const uploads = fold([committed(1_000, { uploadedBytes: MIN_SAMPLE_BYTES - 1, seconds: 0.1, bytes: 3_000 * MB })]);
    assert.deepEqual(uploads.samples, []);
    assert.equal(uploadBytesPerSecond(uploads), undefined);
    assert.equal(uploads.last?.bytes, 3_000 * MB);
  });

  it('counts a replayed journal event once, and an older event never replaces the newest size', () => {
    const once = fold([committed(1_000), committed(2_000, { bytes: 900 * MB })]);
    const replayed = fold([committed(1_000), committed(2_000, { bytes: 900 * MB })], once);
    assert.equal(replayed.samples.length, 2);
    assert.equal(replayed.last?.bytes, 900 * MB);
  });

  it('keeps the newest few samples and takes their median, so one slow upload does not decide', () => {
    const speeds = [10, 50, 60, 70, 80, 2];
    const uploads = fold(speeds.map((megabytesPerSecond, index) => committed(index * 1_000, { uploadedBytes: megabytesPerSecond * 10 * MB, seconds: 10 })));
    assert.equal(uploads.samples.length, KEPT_UPLOAD_SAMPLES);
    assert.equal(uploads.samples[0]?.at, 1_000, 'the oldest one went');
    assert.equal(uploadBytesPerSecond(uploads), 60 * MB);
  });
});
