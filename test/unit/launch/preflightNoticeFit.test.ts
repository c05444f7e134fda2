import * as assert from 'node:assert/strict';
import { preflightEstimateLine, preflightNoticeFit } from '../../../src/core/launch/preflightEstimate';
import type { Pool } from '../../../src/core/pricing/pricingTypes';
import type { CheckpointUploads } from '../../../src/core/throughput/checkpointUploads';

const MB = 1e6;
const pool: Pool = {
  cloud: 'aws',
  region: 'us-east-1',
  instanceType: 'g5.xlarge',
  gpu: { model: 'A10G', count: 1, memoryGiB: 24 },
  spot: { usdPerHour: 0.4, source: 'live', asOf: 0, estimate: false },
  onDemand: { usdPerHour: 1.006, source: 'catalog', asOf: 0, estimate: false },
  interruption: { perHour: 0.1, source: 'advisor-bucket', bucket: '>20%' },
  noticeSeconds: 120,
};
const uploads = (at: number, gigabytes: number): CheckpointUploads => ({
  samples: [{ at, instanceId: 'i-1', uploadedBytes: 1_000 * MB, seconds: 10 }],
  last: { at, instanceId: 'i-1', bytes: gigabytes * 1_000 * MB },
});

describe('pre-flight: the checkpoint measured on earlier launches of the profile', () => {
  it('takes the newest launch of the same profile, and says nothing before any measurement', () => {
    const records = [
      { boxName: 'llama-ft', checkpointUploads: uploads(1_000, 1) },
      { boxName: 'llama-ft', checkpointUploads: uploads(5_000, 9) },
      { boxName: 'other', checkpointUploads: uploads(9_000, 1) },
      { boxName: 'llama-ft' },
    ];
    const measured = preflightNoticeFit(records, 'llama-ft');
    assert.equal(measured?.fit.checkpointBytes, 9_000 * MB);
    assert.match(measured?.line ?? '', /^Last run's checkpoint is too big for the notice \(9\.0 GB ≈ 90 s at 100 MB\/s, 55 s usable in the notice\): Save less on the notice/);
    assert.equal(preflightNoticeFit(records, 'new-profile'), undefined);
  });

  it('prices the job without the notice checkpoint when it is too big for the notice', () => {
    const spot = (line: string): number => Number(/spot ≈ \$([\d.]+)/.exec(line)?.[1]);
    const tooBig = preflightNoticeFit([{ boxName: 'p', checkpointUploads: uploads(1, 9) }], 'p')!.fit;
    const fits = preflightNoticeFit([{ boxName: 'p', checkpointUploads: uploads(1, 1) }], 'p')!.fit;
    const withTooBig = preflightEstimateLine(pool, true, tooBig);
    assert.match(withTooBig, /; notice checkpoint not counted: too big for the notice\)$/);
    assert.equal(spot(withTooBig), spot(preflightEstimateLine(pool, false)), 'as if no checkpoint were taken on the notice');
    assert.equal(preflightEstimateLine(pool, true, fits), preflightEstimateLine(pool, true));
    assert.ok(spot(withTooBig) > spot(preflightEstimateLine(pool, true)));
  });
});
