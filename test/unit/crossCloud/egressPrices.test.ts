import * as assert from 'node:assert/strict';
import { egressCostUsd, EGRESS_USD_PER_GB, formatUsd } from '../../../src/core/pricing/egressPrices';

describe('egress prices: what a cross-cloud copy costs', () => {
  it('charges the source cloud\'s list price per decimal GB', () => {
    assert.equal(egressCostUsd('aws', 1e9), EGRESS_USD_PER_GB.aws);
    assert.ok(Math.abs(egressCostUsd('aws', 3.2e6) - 0.000288) < 1e-12);
    assert.equal(egressCostUsd('gcp', 0), 0);
  });

  it('shows a small amount with one significant digit and a large one in cents', () => {
    assert.equal(formatUsd(0.000288), '$0.0003');
    assert.equal(formatUsd(1.2449), '$1.24');
    assert.equal(formatUsd(0), '$0.00');
  });
});
