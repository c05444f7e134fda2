import * as assert from 'node:assert/strict';
import { preflightEstimateLine } from '../../../src/core/launch/preflightEstimate';
import type { Pool } from '../../../src/core/pricing/pricingTypes';

const pool = (perHour: number): Pool => ({
  cloud: 'aws',
  region: 'us-east-1',
  instanceType: 'g5.xlarge',
  gpu: { model: 'A10G', count: 1, memoryGiB: 24 },
  spot: { usdPerHour: 0.4, source: 'live', asOf: 0, estimate: false },
  onDemand: { usdPerHour: 1.006, source: 'catalog', asOf: 0, estimate: false },
  interruption: { perHour, source: 'advisor-bucket', bucket: '5-10%' },
  noticeSeconds: 120,
});

describe('preflightEstimateLine (the estimate shown before a launch)', () => {
  it('prices a 24 h job with interruptions counted, not just the discount', () => {
    const line = preflightEstimateLine(pool(0.01), true);
    assert.match(line, /^24 h job: spot ≈ \$\d+\.\d\d vs on-demand \$24\.14 \(saves \d+ %; 0\.2 interruptions expected at 5-10%\/month, \+\d+ min\)$/);
    const saved = Number(/saves (\d+) %/.exec(line)?.[1]);
    assert.ok(saved < 60.2 && saved > 50, `${saved} % is below the bare price discount of 60 %`);
  });

  it('costs more without the notice checkpoint, and says why when no estimate is possible', () => {
    const spot = (line: string): number => Number(/spot ≈ \$([\d.]+)/.exec(line)?.[1]);
    assert.ok(spot(preflightEstimateLine(pool(0.2), false)) > spot(preflightEstimateLine(pool(0.2), true)));
    assert.match(preflightEstimateLine(pool(50), false), /^24 h job: no estimate \(/);
  });
});
