/**
 * The calculator's Google Cloud rows priced live: the same pricing context the editor builds, with
 * the Billing Catalog of the clients a gcloud configuration gives, read over the wire from the
 * sandbox. A Billing Catalog that refuses leaves the catalog's figures with a note.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { createPricingContext } from '../../../src/core/calculator/pricingContext';
import { billingPoolPricer } from '../../../src/core/gcp/gcpPrices';
import { useGcpPipelineSandbox } from './gcpHarness';

const RESOURCES = path.resolve(__dirname, '../../../../resources/prices');

describe('sandbox GCP: the calculator prices Google Cloud rows from the Billing Catalog', function () {
  this.timeout(90_000);
  const suite = useGcpPipelineSandbox('spotbox-gcp-calculator-');

  it('shows live GCP spot and on-demand prices, the sum of the SKUs the Billing Catalog lists', async () => {
    const context = await createPricingContext({ catalogDir: RESOURCES, livePrices: true, clock: { now: () => Date.now() }, gcpLivePrices: async () => billingPoolPricer(suite.clients.billing) });
    const scan = await context.priceService.scanPools({ gpu: '1x A100', regions: ['us-east-1'], includeOtherClouds: true });
    const gcp = scan.pools.filter((pool) => pool.cloud === 'gcp');
    assert.ok(gcp.length > 0, 'the catalog has GCP rows for 1x A100');
    const live = await suite.clients.billing.prices(['a2-highgpu-1g'], ['us-central1']);
    const expected = live.prices.get('a2-highgpu-1g')?.get('us-central1');
    assert.ok(expected && expected.spotUsdPerHour !== undefined, 'the sandbox prices a2-highgpu-1g in us-central1');
    const row = gcp.find((pool) => pool.instanceType === 'a2-highgpu-1g' && pool.region === 'us-central1');
    assert.equal(row?.spot.source, 'live');
    assert.equal(row?.spot.usdPerHour, expected.spotUsdPerHour);
    assert.equal(row?.onDemand.usdPerHour, expected.onDemandUsdPerHour);
    assert.ok(scan.pools.filter((pool) => pool.cloud === 'azure').every((pool) => pool.spot.source === 'catalog'), 'Azure stays on its catalog');
    assert.equal(scan.notes.find((note) => note.region === 'Google Cloud'), undefined);
  });
});
