import * as assert from 'node:assert/strict';
import { suggestMaxPrice } from '../../../src/core/profile/wizard/maxPriceSuggestion';

describe('suggestMaxPrice (the wizard\'s default max price)', () => {
  const onDemand = { usdPerHour: 1.006, region: 'us-east-1', instanceType: 'g5.xlarge' };

  it('is the cheapest spot price × 1.5, rounded up to the cent', () => {
    assert.deepEqual(suggestMaxPrice({ usdPerHour: 0.4012, instanceType: 'g5.xlarge', region: 'us-east-1', source: 'live' }, undefined, onDemand), {
      value: 0.61,
      basis: 'cheapest spot $0.401/h (g5.xlarge in us-east-1, live) × 1.5',
      cheapestSpot: 0.4012,
    });
    assert.equal(suggestMaxPrice({ usdPerHour: 2, instanceType: 'x.y', region: 'r', source: 'live' }, undefined, undefined).value, 3, 'no float dust: 3, not 3.01');
  });

  it('falls back to the catalog spot estimate, then to on-demand', () => {
    assert.match(suggestMaxPrice(undefined, { usdPerHour: 0.5, region: 'eu-west-1', instanceType: 'g5.xlarge' }, onDemand).basis, /catalog estimate/);
    assert.deepEqual(suggestMaxPrice(undefined, undefined, onDemand), { value: 1.01, basis: 'on-demand price of g5.xlarge in us-east-1 (catalog): no spot price is known' });
    assert.equal(suggestMaxPrice(undefined, undefined, undefined).value, 1);
  });
});
