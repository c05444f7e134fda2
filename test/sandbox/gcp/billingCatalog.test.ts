/**
 * The Cloud Billing Catalog's Compute Engine SKUs, paged as the API pages them, priced the way a
 * client prices a VM: vCPU SKU x vCPUs + RAM SKU x GiB + GPU SKU, spot from the Preemptible SKUs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newTempDir, startGcpTestSandbox, stopTestSandbox, type GcpTestContext } from './gcpHarness';

interface Sku {
  description: string;
  category: { resourceGroup: string; usageType: string };
  serviceRegions: string[];
  pricingInfo: Array<{ pricingExpression: { usageUnit: string; tieredRates: Array<{ unitPrice: { units: string; nanos: number; currencyCode: string } }> } }>;
}

describe('sandbox GCP: Cloud Billing Catalog', function () {
  this.timeout(60_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;

  before(async () => {
    directory = newTempDir('spotbox-gcp-billing-');
    context = await startGcpTestSandbox(directory);
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('is named by the gcloud configuration and pages through Compute Engine SKUs', async () => {
    const { endpoints } = context!.sandbox;
    const config = fs.readFileSync(path.join(directory!, 'gcloud', 'configurations', 'config_spotbox-sandbox'), 'utf8');
    assert.match(config, new RegExp(`^cloudbilling = ${endpoints.gcpBilling.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(endpoints.gcpBilling, /^http:\/\/127\.0\.0\.1:\d+\/$/);

    const skus: Sku[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const { status, json } = await context!.call('GET', `${endpoints.gcpBilling}v1/services/6F81-5844-456A/skus?pageSize=25${pageToken ? `&pageToken=${pageToken}` : ''}`);
      assert.equal(status, 200, JSON.stringify(json));
      skus.push(...(json.skus as Sku[]));
      pageToken = String(json.nextPageToken);
      pages++;
    } while (pageToken);
    assert.ok(pages > 1);

    const price = (description: string, region = 'us-central1'): number => {
      const sku = skus.find((candidate) => candidate.description === description && candidate.serviceRegions.includes(region));
      assert.ok(sku, description);
      const unit = sku.pricingInfo[0].pricingExpression.tieredRates[0].unitPrice;
      assert.equal(unit.currencyCode, 'USD');
      return Number(unit.units) + unit.nanos / 1e9;
    };
    const spotA2 = 12 * price('Spot Preemptible A2 Instance Core running in Americas') + 85 * price('Spot Preemptible A2 Instance Ram running in Americas') + price('Spot Preemptible Nvidia Tesla A100 GPU running in Americas');
    const onDemandA2 = 12 * price('A2 Instance Core running in Americas') + 85 * price('A2 Instance Ram running in Americas') + price('Nvidia Tesla A100 GPU running in Americas');
    assert.ok(spotA2 > 0.5 && spotA2 < onDemandA2 && onDemandA2 > 3 && onDemandA2 < 4, `${spotA2} / ${onDemandA2}`);
    const ram = skus.find((sku) => sku.category.resourceGroup === 'RAM' && sku.category.usageType === 'Preemptible');
    assert.equal(ram?.pricingInfo[0].pricingExpression.usageUnit, 'GiBy.h');
    assert.equal((await fetch(`${endpoints.gcpBilling}v1/services/6F81-5844-456A/skus`)).status, 401);
  });
});
