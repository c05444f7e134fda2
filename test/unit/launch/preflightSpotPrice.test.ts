import * as assert from 'node:assert/strict';
import { preflightPriceNotes, preflightSpotPrice } from '../../../src/core/launch/preflightSpotPrice';

describe("preflightSpotPrice (another cloud's launch pre-flight)", () => {
  const now = Date.parse('2026-01-10T12:00:00Z');

  it('names a live price with its source and age, and a catalog one with its date', () => {
    assert.equal(preflightSpotPrice({ instanceType: 'Standard_NC4as_T4_v3', region: 'eastus', spot: { usdPerHour: 0.1234, source: 'live', asOf: now - 120_000, estimate: false } }, 'Retail Prices API', now), '$0.123/h Standard_NC4as_T4_v3 in eastus (Retail Prices API, live, 2 min ago)');
    assert.equal(preflightSpotPrice({ instanceType: 'Standard_NC4as_T4_v3', region: 'eastus', spot: { usdPerHour: 0.15, source: 'catalog', asOf: Date.parse('2025-05-31'), estimate: true } }, 'Retail Prices API', now), '$0.150/h Standard_NC4as_T4_v3 in eastus (catalog, 2025-05)');
  });

  it("keeps the price list's notes about the launch's regions or the whole cloud, not other regions'", () => {
    const notes = [
      { region: 'Azure', message: 'Live Azure prices unavailable (timeout); showing catalog estimates for Azure.' },
      { region: 'Azure eastus', message: 'No live Azure Spot price for X in eastus; catalog estimates shown for it.' },
      { region: 'Azure westeurope', message: 'Live Azure prices unavailable in westeurope (503); showing catalog estimates there.' },
      { region: 'Google Cloud', message: 'Live Google Cloud prices unavailable.' },
    ];
    assert.deepEqual(preflightPriceNotes(notes, 'Azure', ['eastus']), [notes[0].message, notes[1].message]);
  });
});
