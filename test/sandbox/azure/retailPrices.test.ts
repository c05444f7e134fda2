/**
 * The sandbox's Azure Retail Prices API over the wire: its pages, filter and errors read with plain
 * fetch; Spotbox's AzureRetailPrices client against it (over HTTPS too, trusting the certificate the
 * way the editor would, through NODE_EXTRA_CA_CERTS); and the calculator's Azure rows priced from it
 * through the editor's pricing context, falling back to the catalog with a note when it is gone.
 */
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AzureRetailPrices, azureRetailPricesUrl, retailPoolPricer } from '../../../src/core/azure/azureRetailPrices';
import { createPricingContext } from '../../../src/core/calculator/pricingContext';
import type { Pool } from '../../../src/core/pricing/pricingTypes';
import { PAGE_SIZE, RetailPricesServer } from '../../../sandbox/azure/retailPrices/retailPricesServer';
import type { RetailPriceItem } from '../../../sandbox/azure/retailPrices/retailPriceTable';

const ROOT = path.resolve(__dirname, '../../../..');
const RESOURCES = path.join(ROOT, 'resources', 'prices');
const CATALOG = JSON.parse(fs.readFileSync(path.join(RESOURCES, 'azure-gpu.json'), 'utf8')) as { instanceTypes: Record<string, { prices: Record<string, { onDemandUsdPerHour: number; spotUsdPerHour: number }> }> };

interface Page {
  BillingCurrency: string;
  CustomerEntityType: string;
  Items: RetailPriceItem[];
  NextPageLink: string | null;
  Count: number;
}

async function getPage(url: string): Promise<{ status: number; body: Page & { Error?: { Code: string; Message: string } } }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Page & { Error?: { Code: string; Message: string } } };
}

function pricesUrl(base: string, filter: string): string {
  return `${base}/api/retail/prices?api-version=2023-01-01-preview&$filter=${encodeURIComponent(filter)}`;
}

/** Every page of a query, with plain fetch. */
async function allPages(base: string, filter: string): Promise<Page[]> {
  const pages: Page[] = [];
  let next: string | null = pricesUrl(base, filter);
  while (next) {
    const { status, body } = await getPage(next);
    assert.equal(status, 200, JSON.stringify(body));
    pages.push(body);
    next = body.NextPageLink;
  }
  return pages;
}

/** The Linux meter of a size in a region, read off the wire without Spotbox's code: what the calculator must show. */
function linuxMeter(items: readonly RetailPriceItem[], size: string, region: string, spot: boolean): number {
  const matches = items.filter((item) => item.armSkuName === size && item.armRegionName === region && item.type === 'Consumption' && !item.productName.endsWith(' Windows') && item.skuName.endsWith(' Spot') === spot && !item.skuName.endsWith(' Low Priority'));
  assert.equal(matches.length, 1, `${size} ${region} ${spot ? 'Spot' : 'pay-as-you-go'}`);
  return matches[0].retailPrice;
}

describe('sandbox Azure: Retail Prices API', function () {
  this.timeout(120_000);
  const server = new RetailPricesServer();
  let base = '';
  let vmItems: RetailPriceItem[] = [];

  before(async () => {
    ({ url: base } = await server.start());
    vmItems = (await allPages(base, "serviceName eq 'Virtual Machines' and priceType eq 'Consumption'")).flatMap((page) => page.Items);
  });

  after(() => server.stop());

  it('pages through the meters 100 at a time, each NextPageLink an absolute URL on the same server', async () => {
    const pages = await allPages(base, "serviceName eq 'Virtual Machines'");
    assert.ok(pages.length >= 3, `${pages.length} pages`);
    for (const [index, page] of pages.entries()) {
      assert.equal(page.Count, page.Items.length);
      assert.equal(page.BillingCurrency, 'USD');
      assert.equal(page.CustomerEntityType, 'Retail');
      if (index < pages.length - 1) {
        assert.equal(page.Items.length, PAGE_SIZE);
        const next = new URL(page.NextPageLink ?? '');
        assert.equal(next.origin, new URL(base).origin);
        assert.equal(next.searchParams.get('$skip'), String((index + 1) * PAGE_SIZE));
      } else {
        assert.equal(page.NextPageLink, null);
      }
    }
    // A meter's pay-as-you-go, dev/test and reservation prices share its meterId, as on Azure.
    const prices = pages.flatMap((page) => page.Items.map((item) => `${item.meterId} ${item.type} ${item.reservationTerm ?? ''}`));
    assert.equal(new Set(prices).size, prices.length, 'no price twice across pages');
    assert.ok(pages.flatMap((page) => page.Items).every((item) => item.serviceName === 'Virtual Machines'));
  });

  it('filters with eq, ne, and, or, parentheses and contains, values case-sensitive', async () => {
    const size = 'Standard_NC24ads_A100_v4';
    const { body } = await getPage(pricesUrl(base, `serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and armRegionName eq 'eastus' and (armSkuName eq '${size}' or armSkuName eq 'Standard_NC6s_v3')`));
    assert.deepEqual([...new Set(body.Items.map((item) => `${item.armSkuName} ${item.armRegionName} ${item.type}`))].sort(), [`Standard_NC24ads_A100_v4 eastus Consumption`, `Standard_NC6s_v3 eastus Consumption`]);
    const kinds = body.Items.filter((item) => item.armSkuName === size).map((item) => `${item.skuName} | ${item.productName}`);
    assert.deepEqual(kinds.sort(), [
      'NC24ads A100 v4 Low Priority | Virtual Machines NCads A100 v4 Series',
      'NC24ads A100 v4 Spot | Virtual Machines NCads A100 v4 Series',
      'NC24ads A100 v4 Spot | Virtual Machines NCads A100 v4 Series Windows',
      'NC24ads A100 v4 | Virtual Machines NCads A100 v4 Series',
      'NC24ads A100 v4 | Virtual Machines NCads A100 v4 Series Windows',
    ]);

    const spot = await getPage(pricesUrl(base, `armSkuName eq '${size}' and contains(skuName, 'Spot') and contains(productName, 'Windows') eq false and priceType ne 'Reservation'`));
    assert.deepEqual(spot.body.Items.map((item) => `${item.armRegionName} ${item.skuName}`).sort(), ['eastus NC24ads A100 v4 Spot', 'westeurope NC24ads A100 v4 Spot']);
    assert.equal((await getPage(pricesUrl(base, "serviceName eq 'virtual machines'"))).body.Count, 0, 'values are case-sensitive');
    assert.ok((await getPage(pricesUrl(base, "serviceName eq 'Storage'"))).body.Items.every((item) => item.unitOfMeasure === '1 GB/Month'));
  });

  it("refuses what the API refuses with 400 and its error body", async () => {
    const twentyOne = Array.from({ length: 21 }, (_, index) => `armSkuName eq 'Standard_S${index}'`).join(' or ');
    for (const filter of ["armSkuName in ('Standard_NC6s_v3')", "not contains(productName, 'Windows')", "colour eq 'blue'", "serviceName eq 'Virtual Machines", "serviceName eq 'Virtual Machines' and", "(serviceName eq 'Virtual Machines'", "serviceName gt 'A'", twentyOne]) {
      const { status, body } = await getPage(pricesUrl(base, filter));
      assert.equal(status, 400, filter);
      assert.deepEqual(body, { Error: { Code: 'BadRequest', Message: 'Invalid OData parameters supplied' } }, filter);
    }
    assert.equal((await getPage(`${base}/api/retail/prices?$skip=-1`)).status, 400);
    assert.equal((await fetch(`${base}/api/retail/price`)).status, 404);
  });

  it("gives the client every size's Linux Spot and pay-as-you-go meter, not the catalog's figures", async () => {
    const client = new AzureRetailPrices({ baseUrl: azureRetailPricesUrl({ SPOTBOX_AZURE_RETAIL_PRICES_URL: `${base}/` }) });
    const everyVm = (await allPages(base, "serviceName eq 'Virtual Machines'")).flatMap((page) => page.Items);
    assert.ok(everyVm.length > 2 * PAGE_SIZE);
    assert.deepEqual((await client.items("serviceName eq 'Virtual Machines'")).map((item) => (item as RetailPriceItem).meterId), everyVm.map((item) => item.meterId), 'every page followed');

    const sizes = Object.keys(CATALOG.instanceTypes);
    const regions = [...new Set(Object.values(CATALOG.instanceTypes).flatMap((entry) => Object.keys(entry.prices)))];
    const live = await client.prices(sizes, regions);
    assert.deepEqual(live.unavailable, []);
    let compared = 0;
    for (const [size, entry] of Object.entries(CATALOG.instanceTypes)) {
      for (const [region, catalogPrice] of Object.entries(entry.prices)) {
        const price = live.prices.get(size)?.get(region);
        assert.equal(price?.spotUsdPerHour, linuxMeter(vmItems, size, region, true), `${size} ${region} spot`);
        assert.equal(price?.onDemandUsdPerHour, linuxMeter(vmItems, size, region, false), `${size} ${region} on-demand`);
        assert.notEqual(price?.spotUsdPerHour, catalogPrice.spotUsdPerHour);
        compared++;
      }
    }
    assert.equal(compared, Object.values(CATALOG.instanceTypes).reduce((sum, entry) => sum + Object.keys(entry.prices).length, 0));
    assert.ok(compared >= 10);
    assert.equal(live.prices.get('Standard_NC4as_T4_v3')?.get('eastus2'), undefined, 'no price where Azure lists no meter');
  });

  it('serves HTTPS when given a certificate, which the client reads when Node trusts it', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-azure-prices-'));
    const secure = new RetailPricesServer({ tls: selfSignedCertificate(directory) });
    try {
      const { url } = await secure.start();
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const script = `
        const { AzureRetailPrices, azureRetailPricesUrl } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'core', 'azure', 'azureRetailPrices.js'))});
        new AzureRetailPrices({ baseUrl: azureRetailPricesUrl(process.env) }).prices(['Standard_NC6s_v3'], ['westus2'])
          .then((live) => console.log(JSON.stringify(live.prices.get('Standard_NC6s_v3').get('westus2'))), (error) => { console.error(String(error.cause ?? error)); process.exit(1); });`;
      const env = { ...process.env, NODE_EXTRA_CA_CERTS: path.join(directory, 'cert.pem'), SPOTBOX_AZURE_RETAIL_PRICES_URL: url };
      const price = JSON.parse(await runNode(script, env)) as { spotUsdPerHour: number; onDemandUsdPerHour: number };
      assert.equal(price.spotUsdPerHour, linuxMeter(secure.items, 'Standard_NC6s_v3', 'westus2', true));
      assert.equal(price.onDemandUsdPerHour, linuxMeter(secure.items, 'Standard_NC6s_v3', 'westus2', false));
      await assert.rejects(fetch(`${url}/api/retail/prices`), 'this process does not trust the sandbox certificate');
    } finally {
      await secure.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  describe("the calculator's Azure rows", () => {
    const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };
    let awsDirectory = '';
    before(() => {
      // No AWS here: its live reads fail at once (no such profile) and AWS rows keep their catalog figures.
      awsDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-azure-prices-aws-'));
      process.env.AWS_CONFIG_FILE = path.join(awsDirectory, 'config');
      process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(awsDirectory, 'credentials');
    });
    after(() => {
      for (const [name, value] of [['AWS_CONFIG_FILE', saved.config], ['AWS_SHARED_CREDENTIALS_FILE', saved.credentials]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      fs.rmSync(awsDirectory, { recursive: true, force: true });
    });

    const scan = async (azureLivePrices?: () => Promise<AzureRetailPrices>) => {
      const context = await createPricingContext({ catalogDir: RESOURCES, awsProfile: 'spotbox-no-such-profile', livePrices: true, clock: { now: () => Date.now() }, ...(azureLivePrices ? { azureLivePrices: async () => retailPoolPricer(await azureLivePrices()) } : {}) });
      return context.priceService.scanPools({ gpu: '1x A100', regions: ['us-east-1'], includeOtherClouds: true });
    };
    const others = (pools: readonly Pool[]) => pools.filter((pool) => pool.cloud !== 'azure');

    it('are live, equal to the Linux Spot and pay-as-you-go meters, and leave AWS and GCP rows as they were', async () => {
      const client = new AzureRetailPrices({ baseUrl: base });
      const [live, without] = await Promise.all([scan(async () => client), scan()]);
      const azure = live.pools.filter((pool) => pool.cloud === 'azure');
      assert.ok(azure.length >= 4, `${azure.length} Azure rows for 1x A100`);
      for (const pool of azure) {
        assert.equal(pool.spot.source, 'live');
        assert.equal(pool.onDemand.source, 'live');
        assert.equal(pool.spot.estimate, false);
        assert.equal(pool.spot.usdPerHour, linuxMeter(vmItems, pool.instanceType, pool.region, true), `${pool.instanceType} ${pool.region}`);
        assert.equal(pool.onDemand.usdPerHour, linuxMeter(vmItems, pool.instanceType, pool.region, false));
      }
      assert.deepEqual(others(live.pools), others(without.pools));
      assert.ok(others(live.pools).some((pool) => pool.cloud === 'gcp'));
      assert.equal(live.notes.find((note) => note.region.startsWith('Azure')), undefined);
      assert.ok(without.pools.filter((pool) => pool.cloud === 'azure').every((pool) => pool.spot.source === 'catalog'));
    });

    it('fall back to the catalog with a note when the API is gone', async () => {
      const gone = new RetailPricesServer();
      const { url } = await gone.start();
      await gone.stop();
      const fallback = await scan(async () => new AzureRetailPrices({ baseUrl: url }));
      const azure = fallback.pools.filter((pool) => pool.cloud === 'azure');
      assert.ok(azure.length > 0 && azure.every((pool) => pool.spot.source === 'catalog' && pool.onDemand.source === 'catalog'));
      for (const pool of azure) assert.equal(pool.spot.usdPerHour, CATALOG.instanceTypes[pool.instanceType].prices[pool.region].spotUsdPerHour);
      assert.match(fallback.notes.find((note) => note.region === 'Azure')?.message ?? '', /^Live Azure prices unavailable \(Cannot reach Azure Retail Prices at 127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\)\); showing catalog estimates for Azure\.$/);
    });
  });
});

/** A certificate for 127.0.0.1 that is its own CA, made with openssl. */
function selfSignedCertificate(directory: string): { cert: Buffer; key: Buffer } {
  const cert = path.join(directory, 'cert.pem');
  const key = path.join(directory, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
}

/** Runs a script in a fresh Node (NODE_EXTRA_CA_CERTS is read only at start-up) and answers its output. */
function runNode(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env, timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim())));
  });
}
