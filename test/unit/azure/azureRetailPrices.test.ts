import * as assert from 'node:assert/strict';
import { sizeBatches, vmPrice, vmPricesFilter, type AzureRetailPriceItem } from '../../../src/core/azure/azureRetailPriceItems';
import { AzureRetailPrices, azureRetailPricesUrl, withLiveAzurePrices, type AzureLivePrices } from '../../../src/core/azure/azureRetailPrices';
import type { Pool } from '../../../src/core/pricing/pricingTypes';

const A100 = 'Standard_NC24ads_A100_v4';

function item(overrides: Partial<AzureRetailPriceItem>): AzureRetailPriceItem {
  return {
    currencyCode: 'USD',
    retailPrice: 3.5,
    unitPrice: 3.5,
    armRegionName: 'eastus',
    armSkuName: A100,
    skuName: 'NC24ads A100 v4',
    meterName: 'NC24ads A100 v4',
    productName: 'Virtual Machines NCads A100 v4 Series',
    serviceName: 'Virtual Machines',
    type: 'Consumption',
    isPrimaryMeterRegion: true,
    unitOfMeasure: '1 Hour',
    effectiveStartDate: '2025-01-01T00:00:00Z',
    ...overrides,
  };
}

const spot = (price: number, overrides: Partial<AzureRetailPriceItem> = {}): AzureRetailPriceItem => item({ retailPrice: price, unitPrice: price, skuName: 'NC24ads A100 v4 Spot', meterName: 'NC24ads A100 v4 Spot', ...overrides });

/** A fetch that answers from a function of the URL and records every URL asked. */
function fakeFetch(answer: (url: URL) => { status?: number; body: unknown; headers?: Record<string, string> }): { fetch: typeof fetch; urls: URL[] } {
  const urls: URL[] = [];
  const fake = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    urls.push(url);
    const { status = 200, body, headers = {} } = answer(url);
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  };
  return { fetch: fake, urls };
}

describe('Azure Retail Prices', () => {
  it('asks for several sizes of one region in one filter, or-ed in parentheses, with quotes doubled', () => {
    assert.equal(
      vmPricesFilter('eastus', [A100, "Odd'Size"]),
      "serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq 'eastus' and (armSkuName eq 'Standard_NC24ads_A100_v4' or armSkuName eq 'Odd''Size')",
    );
    const sizes = Array.from({ length: 23 }, (_, index) => `Standard_S${String(index).padStart(2, '0')}`);
    const batches = sizeBatches([...sizes].reverse().concat(sizes[0]));
    assert.deepEqual(
      batches.map((batch) => batch.length),
      [10, 10, 3],
    );
    assert.deepEqual(batches.flat(), sizes, 'sorted and without duplicates, so the same set makes the same requests');
  });

  it('prices a size from its Linux Spot and pay-as-you-go meters, never Windows, Low Priority, dev/test or another size', () => {
    const items = [
      spot(0.9, { productName: 'Virtual Machines NCads A100 v4 Series Windows' }),
      item({ retailPrice: 5, productName: 'Virtual Machines NCads A100 v4 Series Windows' }),
      item({ retailPrice: 0.5, skuName: 'NC24ads A100 v4 Low Priority', meterName: 'NC24ads A100 v4 Low Priority' }),
      item({ retailPrice: 1, type: 'DevTestConsumption' }),
      item({ retailPrice: 20000, type: 'Reservation' }),
      spot(0.2, { armSkuName: 'Standard_NC48ads_A100_v4' }),
      spot(0.3, { armRegionName: 'westus2' }),
      spot(1.21),
      item({ retailPrice: 3.67 }),
    ];
    assert.deepEqual(vmPrice(items, A100, 'eastus', 42), { spotUsdPerHour: 1.21, onDemandUsdPerHour: 3.67, fetchedAt: 42, meters: ['NC24ads A100 v4 Spot', 'NC24ads A100 v4'] });
    assert.equal(vmPrice(items, A100, 'japaneast', 42), undefined);
    assert.deepEqual(vmPrice([spot(1.1)], A100, 'eastus', 1), { spotUsdPerHour: 1.1, fetchedAt: 1, meters: ['NC24ads A100 v4 Spot'] });
  });

  it("prefers the region's primary meter, then the newest price", () => {
    const items = [spot(1.5, { isPrimaryMeterRegion: false, effectiveStartDate: '2026-01-01T00:00:00Z' }), spot(1.3, { effectiveStartDate: '2024-01-01T00:00:00Z' }), spot(1.2, { effectiveStartDate: '2025-06-01T00:00:00Z' })];
    assert.equal(vmPrice(items, A100, 'eastus', 0)?.spotUsdPerHour, 1.2);
  });

  it('takes its base URL from SPOTBOX_AZURE_RETAIL_PRICES_URL only, else prices.azure.com', () => {
    assert.equal(azureRetailPricesUrl({}), 'https://prices.azure.com');
    assert.equal(azureRetailPricesUrl({ SPOTBOX_AZURE_RETAIL_PRICES_URL: ' ' }), 'https://prices.azure.com');
    assert.equal(azureRetailPricesUrl({ SPOTBOX_AZURE_RETAIL_PRICES_URL: 'https://127.0.0.1:4443/' }), 'https://127.0.0.1:4443');
  });

  it('follows NextPageLink, reads each region once per TTL, shares concurrent reads and does not keep a failure', async () => {
    let now = 1_000;
    let failing = false;
    const { fetch, urls } = fakeFetch((url) => {
      if (failing) return { status: 503, body: 'busy' };
      const region = /armRegionName eq '([^']+)'/.exec(url.searchParams.get('$filter') ?? '')?.[1];
      if (url.searchParams.get('$skip') === '100') return { body: { Items: [item({ armRegionName: region, retailPrice: 3.6 })], NextPageLink: null, Count: 1 } };
      const next = new URL(url);
      next.searchParams.set('$skip', '100');
      return { body: { Items: [spot(1.1, { armRegionName: region })], NextPageLink: next.toString(), Count: 1 } };
    });
    const client = new AzureRetailPrices({ baseUrl: 'https://prices.example/', fetch, now: () => now, ttlMs: 60_000 });
    const [first, second] = await Promise.all([client.prices([A100], ['eastus', 'westus2']), client.prices([A100], ['eastus', 'westus2'])]);
    assert.equal(urls.length, 4, 'two regions, two pages each, shared by both callers');
    assert.equal(urls[0].origin + urls[0].pathname, 'https://prices.example/api/retail/prices');
    assert.equal(urls[0].searchParams.get('api-version'), '2023-01-01-preview');
    assert.deepEqual(first, second);
    assert.deepEqual(first.prices.get(A100)?.get('westus2'), { spotUsdPerHour: 1.1, onDemandUsdPerHour: 3.6, fetchedAt: 1_000, meters: ['NC24ads A100 v4 Spot', 'NC24ads A100 v4'] });
    assert.equal(first.fetchedAt, 1_000);
    assert.deepEqual(first.unavailable, []);

    now += 30_000;
    await client.prices([A100], ['eastus']);
    assert.equal(urls.length, 4, 'within the TTL');

    now += 60_000;
    failing = true;
    await assert.rejects(client.prices([A100], ['eastus']), /Azure Retail Prices answered 503/);
    failing = false;
    const again = await client.prices([A100], ['eastus']);
    assert.equal(again.fetchedAt, now, 'read again after a failure, not the failure kept');
  });

  it('lists a region that fails apart, throws only when every region fails, and reads the API error', async () => {
    const { fetch } = fakeFetch((url) =>
      url.searchParams.get('$filter')?.includes("'japaneast'")
        ? { status: 400, body: { Error: { Code: 'BadRequest', Message: 'Invalid OData parameters supplied' } } }
        : url.searchParams.get('$filter')?.includes("'uksouth'")
          ? { status: 429, body: '', headers: { 'retry-after': '7' } }
          : { body: { Items: [spot(1.1)], NextPageLink: null, Count: 1 } },
    );
    const client = new AzureRetailPrices({ baseUrl: 'https://prices.example', fetch });
    const live = await client.prices([A100], ['eastus', 'japaneast']);
    assert.equal(live.prices.get(A100)?.get('eastus')?.spotUsdPerHour, 1.1);
    assert.deepEqual(live.unavailable, [{ region: 'japaneast', reason: 'Azure Retail Prices answered 400 (BadRequest: Invalid OData parameters supplied)' }]);
    await assert.rejects(client.prices([A100], ['uksouth']), /answered 429; retry after 7 s/);
  });

  it('refuses a next page on another server, gives a silent request or region up after its timeout, and says why a server cannot be reached', async () => {
    const { fetch } = fakeFetch(() => ({ body: { Items: [], NextPageLink: 'https://elsewhere.example/api/retail/prices?$skip=100', Count: 0 } }));
    await assert.rejects(new AzureRetailPrices({ baseUrl: 'https://prices.example', fetch }).prices([A100], ['eastus']), /next page is on another server \(https:\/\/elsewhere\.example\)/);

    const silent = (async (_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)))) as typeof fetch;
    const started = Date.now();
    await assert.rejects(new AzureRetailPrices({ baseUrl: 'https://prices.example', fetch: silent, regionTimeoutMs: 200 }).prices([A100], ['eastus']), /did not answer for eastus within 200 ms/);
    assert.ok(Date.now() - started < 2_000);
    await assert.rejects(new AzureRetailPrices({ baseUrl: 'https://prices.example', fetch: silent, requestTimeoutMs: 100, regionTimeoutMs: 5_000 }).prices([A100], ['eastus']), /^Error: Azure Retail Prices \(prices\.example\) did not answer within 100 ms$/);

    const refused = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
    }) as typeof fetch;
    await assert.rejects(new AzureRetailPrices({ baseUrl: 'http://127.0.0.1:9', fetch: refused }).prices([A100], ['eastus']), /^Error: Cannot reach Azure Retail Prices at 127\.0\.0\.1:9 \(connect ECONNREFUSED 127\.0\.0\.1:9\)$/);
  });

  it('turns Azure catalog pools live where a meter was found, leaving other clouds and unpriced parts alone', () => {
    const catalogPoint = { usdPerHour: 9, source: 'catalog' as const, asOf: 0, estimate: true };
    const pool = (cloud: Pool['cloud'], region: string): Pool => ({ cloud, region, instanceType: A100, gpu: { model: 'A100', count: 1, memoryGiB: 80 }, spot: catalogPoint, onDemand: catalogPoint, interruption: { perHour: 0.1, source: 'estimate' }, noticeSeconds: 30 });
    const live: AzureLivePrices = { fetchedAt: 5, prices: new Map([[A100, new Map([['eastus', { spotUsdPerHour: 1.2, fetchedAt: 5, meters: [] }]])]]), unavailable: [] };
    const [eastus, westus2, gcp] = withLiveAzurePrices([pool('azure', 'eastus'), pool('azure', 'westus2'), pool('gcp', 'eastus')], live);
    assert.deepEqual(eastus.spot, { usdPerHour: 1.2, source: 'live', asOf: 5, estimate: false });
    assert.deepEqual(eastus.onDemand, catalogPoint, 'no pay-as-you-go meter: the catalog figure stays');
    assert.deepEqual(westus2.spot, catalogPoint);
    assert.deepEqual(gcp.spot, catalogPoint);
  });
});
