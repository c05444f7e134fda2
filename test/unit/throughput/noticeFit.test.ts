import * as assert from 'node:assert/strict';
import type { CheckpointUploads } from '../../../src/core/throughput/checkpointUploads';
import { noticeFitOf, usableNoticeUploadSeconds } from '../../../src/core/throughput/noticeFit';
import { noticeFitSummary, preflightNoticeFitLine, tooBigForNoticeMessage } from '../../../src/core/throughput/noticeFitText';

const MB = 1e6;
const uploads = (checkpointBytes: number, megabytesPerSecond: number): CheckpointUploads => ({
  samples: [{ at: 1, instanceId: 'i-1', uploadedBytes: megabytesPerSecond * 20 * MB, seconds: 20 }],
  last: { at: 1, instanceId: 'i-1', bytes: checkpointBytes, reason: 'periodic' },
});

describe('does the last checkpoint fit in the notice', () => {
  it('gives the upload half of what the agent keeps of the notice: (120 s − 10 s margin) / 2 = 55 s on AWS', () => {
    assert.equal(usableNoticeUploadSeconds(), 55);
    assert.equal(usableNoticeUploadSeconds({ noticeSeconds: 30, noticeMarginSeconds: 10 }), 10);
  });

  it('is the last checkpoint\'s whole size over the measured throughput, against 55 s', () => {
    const fits = noticeFitOf(uploads(5_500 * MB, 100));
    assert.equal(fits?.uploadSeconds, 55);
    assert.equal(fits?.fits, true);
    const tooBig = noticeFitOf(uploads(5_600 * MB, 100));
    assert.equal(tooBig?.fits, false);
  });

  it('knows nothing before both a size and a throughput were measured', () => {
    assert.equal(noticeFitOf(undefined), undefined);
    assert.equal(noticeFitOf({ samples: [], last: { at: 1, instanceId: 'i-1', bytes: 1e12 } }), undefined);
    assert.equal(noticeFitOf({ samples: uploads(1, 1).samples }), undefined);
  });

  it('tells what to do when it is too big: save less on the notice, periodic saves, a bucket in the region', () => {
    const fit = noticeFitOf(uploads(8_000 * MB, 50))!;
    const message = tooBigForNoticeMessage('llama-ft', fit);
    assert.match(message, /^llama-ft: its last checkpoint does not fit in a spot notice \(8\.0 GB ≈ 160 s at 50\.0 MB\/s, 55 s usable in the notice\)/);
    assert.match(message, /weights and optimizer state only/);
    assert.match(message, /shorter checkpoint\.intervalMinutes/);
    assert.match(message, /bucket in the box's region/);
    assert.match(noticeFitSummary(fit), /^Checkpoint upload: 50\.0 MB\/s measured over 1 checkpoint; .* — too big for the notice$/);
    assert.match(preflightNoticeFitLine(fit), /^Last run's checkpoint is too big for the notice \(.*\): Save less on the notice/);
    assert.match(preflightNoticeFitLine(noticeFitOf(uploads(100 * MB, 50))!), /^Last run's checkpoint fits in the notice \(100 MB ≈ 2 s at 50\.0 MB\/s, 55 s usable in the notice\)\.$/);
  });
});
