import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeServicesCommand, GetProductsCommand, type GetProductsCommandOutput, PricingClient } from '@aws-sdk/client-pricing';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { Ec2SpotPrices } from '../../../src/core/aws/ec2SpotPrices';
import { PriceListOnDemandPrices } from '../../../src/core/aws/onDemandPrices';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import type { AdvisorEntry, CatalogPrice, Catalogs } from '../../../src/core/pricing/catalogTypes';
import { PriceService } from '../../../src/core/pricing/priceService';
import { startTestSandbox, tempDir } from '../e2e/sandboxHarness';

const RESOURCES = path.resolve(__dirname, '../../../../resources/prices');

interface Product {
  readonly product: { readonly sku: string; readonly attributes: Record<string, string> };
  readonly terms: { readonly OnDemand: Record<string, unknown> };
}

/** PriceList items are JSON strings (String objects from the SDK). */
function productsOf(page: GetProductsCommandOutput): Product[] {
  const items: unknown[] = Array.isArray(page.PriceList) ? page.PriceList : [];
  return items.map((item) => JSON.parse(String(item)) as Product);
}

describe('on-demand prices over the wire (real client-pricing against the sandbox)', function () {
  this.timeout(60_000);
  let sandbox: RunningSandbox;
  let dir: string;
  let catalogs: Catalogs;
  const disposables: Array<{ dispose(): void }> = [];
  const track = <T extends { dispose(): void }>(item: T): T => (disposables.push(item), item);
  const pricing = (): PricingClient => {
    const client = new PricingClient({ region: 'us-east-1' });
    track({ dispose: () => client.destroy() });
    return client;
  };

  before(async () => {
    dir = tempDir('spotbox-on-demand-');
    sandbox = await startTestSandbox(dir, { bootDelayMs: { min: 0, max: 0 } });
    catalogs = await loadCatalogs(RESOURCES);
  });
  afterEach(() => sandbox.pricing.clearFaults());
  after(async () => {
    for (const item of disposables) item.dispose();
    await sandbox?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads p5.48xlarge in us-east-1 at 98.32 USD/h through the profile\'s pricing endpoint', async () => {
    const before = Date.now();
    const quote = await track(new PriceListOnDemandPrices()).onDemandPrice('us-east-1', 'p5.48xlarge');
    assert.equal(quote?.usdPerHour, 98.32);
    assert.ok(quote.fetchedAt >= before && quote.fetchedAt <= Date.now());
    assert.equal(await track(new PriceListOnDemandPrices()).onDemandPrice('us-east-1', 'p9.imaginary'), undefined);
  });

  it('answers GetProducts like AWS: JSON strings, filters, pages, JSON 1.1 errors', async () => {
    const client = pricing();
    const filters = [{ Type: 'TERM_MATCH' as const, Field: 'instanceType', Value: 'g5.xlarge' }];
    const whole = await client.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters: filters, FormatVersion: 'aws_v1' }));
    const items = productsOf(whole);
    const regions = Object.keys(catalogs.onDemand.instanceTypes['g5.xlarge'].prices);
    assert.equal(items.length, regions.length * 3, 'one product per region and capacity status');
    assert.ok(items.every((item) => item.product.attributes.instanceType === 'g5.xlarge' && Object.keys(item.terms.OnDemand).every((term) => term.endsWith('.JRTCKXETXF'))));
    assert.equal(whole.NextToken, undefined);

    const skus: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters: filters, MaxResults: 7, NextToken: nextToken }));
      const products = productsOf(page);
      assert.ok(products.length <= 7);
      skus.push(...products.map((item) => item.product.sku));
      nextToken = page.NextToken;
    } while (nextToken);
    assert.deepEqual(skus, items.map((item) => item.product.sku));

    await assert.rejects(client.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', MaxResults: 1000 })), (error: Error & { $metadata: { httpStatusCode?: number } }) => {
      assert.equal(error.name, 'InvalidParameterException');
      assert.equal(error.$metadata.httpStatusCode, 400);
      return true;
    });
    await assert.rejects(client.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', Filters: filters, NextToken: 'bm9wZQ' })), { name: 'InvalidNextTokenException' });
    const services = await client.send(new DescribeServicesCommand({ ServiceCode: 'AmazonEC2' }));
    assert.ok(services.Services?.[0].AttributeNames?.includes('capacitystatus'));
  });

  it('answers an unknown X-Amz-Target with UnknownOperationException', async () => {
    const response = await fetch(sandbox.endpoints.pricing, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSPriceListService.GetCheaperProducts',
        authorization: 'AWS4-HMAC-SHA256 Credential=S3RVER/20260101/us-east-1/pricing/aws4_request, SignedHeaders=host, Signature=00',
      },
      body: '{}',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { __type: string }).__type, 'UnknownOperationException');
  });

  it('a scan uses the live on-demand price: "live", not the catalog', async () => {
    const service = new PriceService({ catalogs, spotPriceSource: track(new Ec2SpotPrices()), onDemandPriceSource: track(new PriceListOnDemandPrices()), clock: { now: () => Date.now() }, ttlMs: 60_000 });
    const scan = await service.scanPools({ gpu: '8x H100', regions: ['us-east-1', 'us-west-2'] });
    assert.deepEqual(scan.notes, []);
    const p5 = scan.pools.find((pool) => pool.region === 'us-east-1' && pool.instanceType === 'p5.48xlarge');
    assert.equal(p5?.onDemand.source, 'live');
    assert.equal(p5?.onDemand.usdPerHour, 98.32);
    assert.equal(p5?.onDemand.estimate, false);
  });

  it('degrades to the catalog with a note when the Price List API answers 5xx', async () => {
    sandbox.pricing.failNext(100);
    const service = new PriceService({ catalogs, onDemandPriceSource: track(new PriceListOnDemandPrices({ maxAttempts: 2 })), clock: { now: () => Date.now() }, ttlMs: 60_000 });
    const scan = await service.scanPools({ instanceType: 'g5.xlarge', regions: ['us-west-2'] });
    assert.equal(scan.pools[0].onDemand.source, 'catalog');
    assert.deepEqual(scan.notes.map((note) => note.region), ['us-west-2']);
    assert.match(scan.notes[0].message, /Live on-demand prices unavailable \(Reading on-demand prices for us-west-2 .*InternalErrorException/);
  });

  it('recovers from 5xx set through the control API by the SDK\'s retries; `clear` ends the fault', async () => {
    const control = (route: string, body: unknown): Promise<Response> =>
      fetch(`${sandbox.endpoints.control}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const g5 = catalogs.onDemand.instanceTypes['g5.xlarge'].prices['us-west-2'].usdPerHour;
    assert.equal((await control('/faults/pricing-errors', { count: 2, status: 503 })).status, 200);
    assert.equal((await track(new PriceListOnDemandPrices()).onDemandPrice('us-west-2', 'g5.xlarge'))?.usdPerHour, g5);
    assert.equal((await control('/faults/pricing-errors', { count: 50 })).status, 200);
    assert.equal((await control('/faults/clear', {})).status, 200);
    assert.equal((await track(new PriceListOnDemandPrices({ maxAttempts: 1 })).onDemandPrice('us-west-2', 'g5.xlarge'))?.usdPerHour, g5);
  });

  it('leaves out a type the Price List does not sell there; the scan notes it and keeps the catalog price', async () => {
    const source = track(new PriceListOnDemandPrices());
    const quotes = await source.onDemandPrices('us-east-1', ['g5.xlarge', 'p9.imaginary']);
    assert.deepEqual([...quotes.keys()], ['g5.xlarge']);
    // A catalog that knows p5e.48xlarge in eu-west-1, where the sandbox's Price List does not sell it.
    const extended = structuredClone(catalogs);
    (extended.onDemand.instanceTypes['p5e.48xlarge'].prices as Record<string, CatalogPrice>)['eu-west-1'] = { usdPerHour: 120, estimate: true };
    (extended.advisor.spot_advisor['eu-west-1'].Linux as Record<string, AdvisorEntry>)['p5e.48xlarge'] = { s: 60, r: 2 };
    const service = new PriceService({ catalogs: extended, onDemandPriceSource: source, clock: { now: () => Date.now() }, ttlMs: 60_000 });
    const scan = await service.scanPools({ instanceType: 'p5e.48xlarge', regions: ['eu-west-1'] });
    assert.deepEqual([scan.pools[0].onDemand.source, scan.pools[0].onDemand.usdPerHour], ['catalog', 120]);
    assert.match(scan.notes[0].message, /No live on-demand price for p5e\.48xlarge; catalog prices shown for it/);
  });
});
