import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import { PriceService } from '../../../src/core/pricing/priceService';
import { CloudBillingPrices, gcpMachineShape, priceMachine, relevantSkus, withLiveGcpPrices, type BillingSku } from '../../../src/core/gcp/gcpPrices';
import { FakeGoogle, testHttp } from './fakeGoogle';

const RESOURCES = path.resolve(__dirname, '../../../../resources/prices');

/** A SKU as the Billing Catalog spells it: per-hour (or GiB-hour) unit price as units + nanos. */
function sku(description: string, resourceGroup: string, usageType: string, usd: number, regions = ['us-central1'], usageUnit = 'h'): BillingSku {
  const units = Math.floor(usd);
  return {
    skuId: description.replace(/\W+/g, '-'),
    description,
    category: { resourceFamily: 'Compute', resourceGroup, usageType },
    serviceRegions: regions,
    pricingInfo: [{ pricingExpression: { usageUnit, tieredRates: [{ startUsageAmount: 0, unitPrice: { currencyCode: 'USD', units: String(units), nanos: Math.round((usd - units) * 1e9) } }] } }],
  };
}

const SKUS: BillingSku[] = [
  // Dynamic Workload Scheduler prices come first, so a matcher that took them would be caught.
  sku('Nvidia Tesla A100 GPU attached to DWS Defined Duration VMs running in Americas', 'GPU', 'OnDemand', 0.01),
  sku('DWS Defined Duration A2 Core running in Americas', 'CPU', 'OnDemand', 0.001),
  sku('A2 Instance Core running in Americas', 'CPU', 'OnDemand', 0.031611),
  sku('A2 Instance Ram running in Americas', 'RAM', 'OnDemand', 0.004237, undefined, 'GiBy.h'),
  sku('Spot Preemptible A2 Instance Core running in Americas', 'CPU', 'Preemptible', 0.01),
  sku('Spot Preemptible A2 Instance Ram running in Americas', 'RAM', 'Preemptible', 0.0013, undefined, 'GiBy.h'),
  sku('Nvidia Tesla A100 GPU running in Americas', 'GPU', 'OnDemand', 2.933908),
  // Spot GPU SKUs are named "... attached to Spot Preemptible VMs".
  sku('Nvidia Tesla A100 GPU attached to Spot Preemptible VMs running in Americas', 'GPU', 'Preemptible', 1.1),
  sku('Nvidia Tesla A100 80GB GPU running in Americas', 'GPU', 'OnDemand', 3.9),
  sku('Spot Preemptible Nvidia Tesla A100 80GB GPU running in Americas', 'GPU', 'Preemptible', 1.6),
  // Decoys: a commitment, sole tenancy, another region, a workstation GPU, Dynamic Workload Scheduler prices.
  sku('Commitment v1: A2 Cpu in Americas for 1 Year', 'CPU', 'Commit1Yr', 0.001),
  sku('A2 Sole Tenancy Instance Core running in Americas', 'CPU', 'OnDemand', 0.5),
  sku('A2 Instance Core running in EMEA', 'CPU', 'OnDemand', 0.9, ['europe-west4']),
  sku('Nvidia Tesla T4 Virtual Workstation GPU running in Americas', 'GPU', 'OnDemand', 9),
  sku('N1 Predefined Instance Core running in Americas', 'N1Standard', 'OnDemand', 0.031611),
  sku('N1 Predefined Instance Ram running in Americas', 'N1Standard', 'OnDemand', 0.004237, undefined, 'GiBy.h'),
  sku('Spot Preemptible N1 Predefined Instance Core running in Americas', 'N1Standard', 'Preemptible', 0.00698),
  sku('Spot Preemptible N1 Predefined Instance Ram running in Americas', 'N1Standard', 'Preemptible', 0.00094, undefined, 'GiBy.h'),
  sku('Nvidia Tesla T4 GPU running in Americas', 'GPU', 'OnDemand', 0.35),
  sku('Spot Preemptible Nvidia Tesla T4 GPU running in Americas', 'GPU', 'Preemptible', 0.14),
];

const close = (actual: number | undefined, expected: number) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-4, `${actual} is not ${expected}`);

describe('GCP prices from the Cloud Billing Catalog', () => {
  it('prices a VM as cores x vCPUs + RAM x GiB + GPUs, on-demand and spot, ignoring commitments, sole tenancy and other regions', () => {
    const skus = relevantSkus(SKUS);
    const a2 = priceMachine(skus, gcpMachineShape('a2-highgpu-1g')!, 'us-central1');
    close(a2.onDemandUsdPerHour, 12 * 0.031611 + 85 * 0.004237 + 2.933908);
    close(a2.spotUsdPerHour, 12 * 0.01 + 85 * 0.0013 + 1.1);
    assert.deepEqual(a2.missing, []);
    const ultra = priceMachine(skus, gcpMachineShape('a2-ultragpu-8g')!, 'us-central1');
    close(ultra.onDemandUsdPerHour, 96 * 0.031611 + 1360 * 0.004237 + 8 * 3.9);
    const n1 = priceMachine(skus, gcpMachineShape('n1-standard-8+1xT4')!, 'us-central1');
    close(n1.onDemandUsdPerHour, 8 * 0.031611 + 30 * 0.004237 + 0.35);
    close(n1.spotUsdPerHour, 8 * 0.00698 + 30 * 0.00094 + 0.14);
  });

  it('leaves a price out, and says which part, when a SKU is missing', () => {
    const europe = priceMachine(relevantSkus(SKUS), gcpMachineShape('a2-highgpu-1g')!, 'europe-west4');
    assert.equal(europe.onDemandUsdPerHour, undefined);
    assert.equal(europe.spotUsdPerHour, undefined);
    assert.ok(europe.missing.includes('on-demand A2 ram in europe-west4'));
    assert.ok(europe.missing.includes('spot A100 GPU in europe-west4'));
  });

  it('reads every page of services/6F81-5844-456A/skus and makes the catalog\'s GCP pools live, with their age', async () => {
    const google = await new FakeGoogle()
      .route((request) => {
        if (request.path !== '/v1/services/6F81-5844-456A/skus') return undefined;
        return request.query.get('pageToken') === 'p2' ? { body: { skus: SKUS.slice(9) } } : { body: { skus: SKUS.slice(0, 9), nextPageToken: 'p2' } };
      })
      .start();
    try {
      const now = Date.parse('2026-12-07T04:00:00Z');
      const billing = new CloudBillingPrices({ http: testHttp().http, endpoint: `${google.url}/`, now: () => now });
      const live = await billing.prices(['a2-highgpu-1g', 'n1-standard-8+1xT4', 'unknown-type'], ['us-central1', 'europe-west4']);
      assert.deepEqual(
        google.requests.map((request) => Object.fromEntries(request.query)),
        [
          { currencyCode: 'USD', pageSize: '5000' },
          { currencyCode: 'USD', pageSize: '5000', pageToken: 'p2' },
        ],
      );
      assert.equal(google.requests[0].headers.authorization, 'Bearer test-token');
      assert.deepEqual([...live.prices.keys()], ['a2-highgpu-1g', 'n1-standard-8+1xT4']);
      await billing.prices(['a2-highgpu-1g'], ['us-central1']);
      assert.equal(google.requests.length, 2, 'the SKU list is read once per ttl');

      const catalogs = await loadCatalogs(RESOURCES);
      const service = new PriceService({ catalogs, clock: { now: () => now }, ttlMs: 60_000 });
      const scan = await service.scanPools({ gpu: '1x A100', regions: [], includeOtherClouds: true });
      const pools = withLiveGcpPrices(scan.pools, live);
      const central = pools.find((pool) => pool.cloud === 'gcp' && pool.instanceType === 'a2-highgpu-1g' && pool.region === 'us-central1');
      assert.deepEqual(central?.spot, { usdPerHour: 1.3305, source: 'live', asOf: now, estimate: false });
      assert.equal(central?.onDemand.source, 'live');
      const europe = pools.find((pool) => pool.cloud === 'gcp' && pool.instanceType === 'a2-highgpu-1g' && pool.region === 'europe-west4');
      assert.equal(europe?.spot.source, 'catalog', 'no live price there: the catalog figure stays');
      assert.ok(pools.filter((pool) => pool.cloud !== 'gcp').every((pool) => pool.spot.source === 'catalog'));
    } finally {
      await google.close();
    }
  });
});
