import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { Ec2SpotPrices } from '../../../src/core/aws/ec2SpotPrices';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import type { Catalogs } from '../../../src/core/pricing/catalogTypes';
import { PriceService } from '../../../src/core/pricing/priceService';
import { startTestSandbox, tempDir } from '../e2e/sandboxHarness';

const RESOURCES = path.resolve(__dirname, '../../../../resources/prices');
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'];
const LATENCY_MS = 1500;

describe('price scan over the wire (real SDK against the sandbox)', function () {
  this.timeout(60_000);
  let sandbox: RunningSandbox;
  let dir: string;
  let catalogs: Catalogs;
  const sources: Ec2SpotPrices[] = [];
  const serviceWith = (source: Ec2SpotPrices): PriceService => {
    sources.push(source);
    return new PriceService({ catalogs, spotPriceSource: source, clock: { now: () => Date.now() }, ttlMs: 60_000 });
  };

  before(async () => {
    dir = tempDir('spotbox-pricing-');
    sandbox = await startTestSandbox(dir, { bootDelayMs: { min: 0, max: 0 } });
    catalogs = await loadCatalogs(RESOURCES);
  });
  afterEach(() => sandbox.ec2.clearFaults());
  after(async () => {
    for (const source of sources) source.dispose();
    await sandbox?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prices 4 regions live, cheapest AZ per type', async () => {
    const scan = await serviceWith(new Ec2SpotPrices()).scanPools({ gpu: '1x A10G', regions: REGIONS });
    assert.deepEqual(scan.notes, []);
    assert.deepEqual(new Set(scan.pools.map((p) => p.region)), new Set(REGIONS));
    for (const pool of scan.pools) {
      assert.equal(pool.spot.source, 'live', `${pool.region} ${pool.instanceType}`);
      assert.ok(pool.availabilityZone?.startsWith(pool.region));
      assert.ok(pool.spot.usdPerHour > 0 && pool.spot.usdPerHour < pool.onDemand.usdPerHour);
    }
    const quotes = await new Ec2SpotPrices().latestSpotPrices('us-east-1', ['g5.xlarge']);
    assert.ok(quotes.length > 1, 'one quote per AZ');
    const pool = scan.pools.find((p) => p.region === 'us-east-1' && p.instanceType === 'g5.xlarge');
    assert.equal(pool?.spot.usdPerHour, Math.min(...quotes.map((q) => q.usdPerHour)));
  });

  it('follows NextToken across pages', async () => {
    const types = ['g5.xlarge', 'g5.2xlarge', 'g6.xlarge', 'g4dn.xlarge'];
    const whole = await new Ec2SpotPrices().latestSpotPrices('us-east-1', types);
    const paged = await new Ec2SpotPrices({ pageSize: 5 }).latestSpotPrices('us-east-1', types);
    assert.ok(whole.length > 5, `more entries (${whole.length}) than one page`);
    const key = (q: { instanceType: string; availabilityZone: string }): string => `${q.instanceType}@${q.availabilityZone}`;
    assert.deepEqual(paged.map(key).sort(), whole.map(key).sort());
  });

  it('asks the regions in parallel: 4 slow regions take about one region\'s latency', async () => {
    for (const region of REGIONS) sandbox.ec2.addLatency(LATENCY_MS, region);
    const started = Date.now();
    const scan = await serviceWith(new Ec2SpotPrices()).scanPools({ gpu: '8x H100', regions: REGIONS });
    const elapsed = Date.now() - started;
    console.log(`      scan of ${REGIONS.length} regions with ${LATENCY_MS} ms added to each: ${elapsed} ms`);
    assert.deepEqual(scan.notes, []);
    assert.ok(elapsed >= LATENCY_MS, `at least one region's latency (${elapsed} ms)`);
    assert.ok(elapsed < 2.5 * LATENCY_MS, `parallel, not sequential (${elapsed} ms)`);
  });

  it('degrades a region whose calls time out to catalog figures with a note', async () => {
    sandbox.ec2.addLatency(30_000, 'eu-west-1');
    const service = serviceWith(new Ec2SpotPrices({ requestTimeoutMs: 1000, maxAttempts: 1 }));
    const scan = await service.scanPools({ gpu: '1x A10G', regions: REGIONS });
    assert.deepEqual(scan.notes.map((n) => n.region), ['eu-west-1']);
    assert.match(scan.notes[0].message, /Reading spot prices in eu-west-1 timed out/);
    for (const pool of scan.pools) assert.equal(pool.spot.source, pool.region === 'eu-west-1' ? 'catalog' : 'live');
  });

  it('turns throttling that outlasts the retries into a clear error', async () => {
    sandbox.ec2.throttle(20);
    await assert.rejects(new Ec2SpotPrices({ maxAttempts: 2 }).latestSpotPrices('us-west-2', ['g5.xlarge']), /AWS throttled Reading spot prices in us-west-2 after 2 attempts/);
  });

  it('reports a region the endpoint refuses (AuthFailure) with a next step', async () => {
    // me-south-1 is a real AWS region the sandbox does not serve: it answers AuthFailure, like EC2 for a disabled region.
    await assert.rejects(new Ec2SpotPrices().latestSpotPrices('me-south-1', ['g5.xlarge']), (error: Error & { nextStep?: string }) => {
      assert.match(error.message, /AWS refused the credentials for Reading spot prices in me-south-1 \(AuthFailure\)/);
      assert.match(error.nextStep ?? '', /region enabled for your account/);
      return true;
    });
  });
});
