import * as assert from 'node:assert/strict';
import { buildCalculatorResult, noticeCheckpointFits } from '../../../src/core/calculator/buildCalculatorResult';
import { DEFAULT_CALCULATOR_INPUTS, parseCalculatorInputs, type CalculatorInputs } from '../../../src/core/calculator/calculatorModel';
import { CalculatorInputError, CalculatorService, poolQueryOf } from '../../../src/core/calculator/calculatorService';
import { estimate } from '../../../src/core/estimate/estimator';
import type { BoxSession } from '../../../src/core/dashboard/usageTypes';
import type { Pool, PoolScan } from '../../../src/core/pricing/pricingTypes';

const pool = (overrides: Partial<Pool> & Pick<Pool, 'instanceType'>): Pool => ({
  cloud: 'aws',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  gpu: { model: 'H100', count: 8, memoryGiB: 640 },
  spot: { usdPerHour: 19.66, source: 'live', asOf: 0, estimate: false },
  onDemand: { usdPerHour: 98.32, source: 'catalog', asOf: 0, estimate: false },
  interruption: { perHour: 0.041, source: 'preset' },
  noticeSeconds: 120,
  ...overrides,
});

const inputs: CalculatorInputs = { ...DEFAULT_CALCULATOR_INPUTS, regions: ['us-east-1'] };
const deps = { estimate, priceAge: () => 'live, just now' };

describe('calculator', () => {
  it('ranks pools by expected job cost, not by hourly price', () => {
    const cheapButFlaky = pool({ instanceType: 'p5.48xlarge', spot: { usdPerHour: 18, source: 'live', asOf: 0, estimate: false }, interruption: { perHour: 0.5, source: 'user' } });
    const steady = pool({ instanceType: 'p5e.48xlarge', availabilityZone: 'us-east-1b', spot: { usdPerHour: 19, source: 'live', asOf: 0, estimate: false }, interruption: { perHour: 0.001, source: 'user' } });
    const scan: PoolScan = { pools: [cheapButFlaky, steady], notes: [] };
    const result = buildCalculatorResult({ ...inputs, noticeCheckpoint: false }, scan, deps);
    assert.deepEqual(result.rows.map((row) => row.instanceType), ['p5e.48xlarge', 'p5.48xlarge']);
    assert.equal(result.cards.pool.instanceType, 'p5e.48xlarge');
    assert.equal(result.chart.jobHours.length, 12);
    assert.equal(result.chart.jobHours.at(-1), 2 * inputs.jobHours);
  });

  it('counts a notice checkpoint only where it fits in the notice (30 s on GCP)', () => {
    const gcp = pool({ cloud: 'gcp', instanceType: 'a3-highgpu-8g', availabilityZone: undefined, noticeSeconds: 30 });
    assert.equal(noticeCheckpointFits(gcp, 1.5), false);
    assert.equal(noticeCheckpointFits(pool({ instanceType: 'p5.48xlarge' }), 1.5), true);
    const result = buildCalculatorResult(inputs, { pools: [gcp], notes: [] }, deps);
    assert.deepEqual(result.chart.spotWithNotice, result.chart.spotWithoutNotice);
    assert.ok(result.notes.some((note) => note.includes('30-second notice')));
  });

  it('uses the article presets when chosen, and the advisor bucket otherwise', () => {
    const advisorPool = pool({ instanceType: 'p5.48xlarge', interruption: { perHour: 0.0004, source: 'advisor-bucket', bucket: '>20%' } });
    const advisor = buildCalculatorResult(inputs, { pools: [advisorPool], notes: [] }, deps);
    assert.equal(advisor.rows[0]?.interruptionsPerHour, 0.0004);
    assert.equal(advisor.rows[0]?.interruptionSource, 'advisor-bucket >20%/month');
    const article = buildCalculatorResult({ ...inputs, interruptionModel: 'article' }, { pools: [advisorPool], notes: [] }, deps);
    assert.equal(article.rows[0]?.interruptionsPerHour, 0.041);
    assert.equal(article.rows[0]?.interruptionSource, 'article preset (H100)');
    assert.ok(article.cards.expectedInterruptions > advisor.cards.expectedInterruptions);
  });

  it('rates a pool Spotbox has run on by what it saw there, the Advisor bucket as the prior', async () => {
    const advisorPool = pool({ instanceType: 'g5.xlarge', interruption: { perHour: 0.0001, source: 'advisor-bucket', bucket: '5-10%' } });
    const hour = 3_600_000;
    // 3 EC2 notices over 41 spot hours on g5.xlarge/us-east-1, plus sessions elsewhere that must not count.
    const session = (id: number, hours: number, noticed: boolean, overrides: Partial<BoxSession> = {}): BoxSession => ({
      id: `i-${id}@0`, cloud: 'aws', boxName: 'b', instanceId: `i-${id}`, region: 'us-east-1', availabilityZone: 'us-east-1a', instanceType: 'g5.xlarge', lifecycle: 'spot',
      start: 0, end: hours * hour, lastSeenAt: hours * hour, epochs: [],
      interruptions: noticed ? [{ kind: 'notice', time: hours * hour - 120_000 }] : [],
      ...overrides,
    });
    const sessions = [session(1, 10, true), session(2, 10, true), session(3, 11, true), session(4, 10, false), session(5, 50, true, { lifecycle: 'on-demand' }), session(6, 50, true, { region: 'us-west-2' })];
    const service = new CalculatorService(async () => ({ scanPools: async () => ({ pools: [advisorPool], notes: [] }) }), { ...deps, knownRegions: async () => ['us-east-1'], usageSessions: async () => sessions });
    const row = (await service.calculate({ ...inputs, gpuOrInstanceType: 'g5.xlarge' })).rows[0];
    assert.equal(row.interruptionsPerHour.toFixed(5), ((0.0001 * 100 + 3) / (100 + 41)).toFixed(5));
    assert.equal(row.interruptionSource, 'observed 3 in 41 h, advisor-bucket 5-10%/month prior');
    const fresh = new CalculatorService(async () => ({ scanPools: async () => ({ pools: [advisorPool], notes: [] }) }), { ...deps, knownRegions: async () => ['us-east-1'], usageSessions: async () => [] });
    assert.equal((await fresh.calculate({ ...inputs, gpuOrInstanceType: 'g5.xlarge' })).rows[0]?.interruptionsPerHour, 0.0001, 'no history: the bucket alone');
  });

  it("puts the clouds side by side: each one's cheapest option for the job, its notice and rate counted, and where its prices come from", () => {
    const day = 86_400_000;
    const priced = (usdPerHour: number, source: 'live' | 'catalog', asOf: number) => ({ usdPerHour, source, asOf, estimate: false });
    // 26 AWS pools: more than the ranked table lists, so AWS's cheapest would push the others out of it.
    const aws = Array.from({ length: 26 }, (_, index) =>
      pool({ instanceType: 'p5.48xlarge', availabilityZone: `us-east-1${String.fromCharCode(97 + (index % 6))}`, region: `r${index}`, spot: priced(19 + index / 100, 'live', 5 * day), onDemand: priced(98.32, 'catalog', day) }),
    );
    const gcp = pool({ cloud: 'gcp', instanceType: 'a3-highgpu-8g', region: 'us-central1', availabilityZone: undefined, noticeSeconds: 30, spot: priced(25, 'live', 5 * day), onDemand: priced(88, 'live', 5 * day) });
    const azurePools = [30, 28].map((usd, index) =>
      pool({ cloud: 'azure', instanceType: `Standard_ND96isr_H100_v5${index}`, region: 'eastus', availabilityZone: undefined, noticeSeconds: 30, spot: priced(usd, 'catalog', 2 * day), onDemand: priced(98, 'catalog', 2 * day) }),
    );
    const ageDeps = { estimate, priceAge: (price: { source: string; asOf: number }) => `${price.source}, day ${price.asOf / day}` };
    const result = buildCalculatorResult(inputs, { pools: [...azurePools, gcp, ...aws], notes: [] }, ageDeps);

    assert.equal(result.rows.length, 25);
    assert.ok(result.rows.every((row) => row.cloud === 'aws'), 'the ranked table is all AWS here');
    assert.deepEqual(
      result.byCloud.map((row) => [row.label, row.pool.instanceType, row.pool.region]),
      [
        ['AWS', 'p5.48xlarge', 'r0'],
        ['Google Cloud', 'a3-highgpu-8g', 'us-central1'],
        ['Azure', 'Standard_ND96isr_H100_v51', 'eastus'],
      ],
      "cheapest first, each cloud's cheapest pool, whether or not the ranked table lists it",
    );
    const [first, google, azure] = result.byCloud;
    assert.equal(first.aboveCheapestPercent, 0);
    assert.equal(result.cards.pool.id, first.pool.id, 'the best card is the cheapest cloud');
    // Google's 30 s notice cannot hold a 90 s checkpoint: its row is estimated without it, and without AWS's first-hour waiver.
    const googleInput = { computeHours: inputs.jobHours, spotPricePerHour: 25, onDemandPricePerHour: 88, interruptionsPerHour: 0.041, checkpointMinutes: 1.5, restartMinutes: 15, noticeCheckpoint: false };
    assert.equal(google.pool.spotCost, estimate(googleInput, { cloud: 'gcp' }).spotCost);
    assert.ok(google.pool.spotCost > estimate({ ...googleInput, noticeCheckpoint: true }, { cloud: 'gcp' }).spotCost, 'the notice counted');
    assert.equal(google.pool.onDemandCost, 88 * inputs.jobHours, "against Google's own on-demand price");
    assert.equal(google.pool.noticeSeconds, 30);
    assert.ok(Math.abs(google.aboveCheapestPercent - ((google.pool.spotCost - first.pool.spotCost) / first.pool.spotCost) * 100) < 1e-9);
    assert.ok(azure.aboveCheapestPercent > google.aboveCheapestPercent);
    assert.deepEqual([first.pool.priceAge, first.pool.onDemandPriceAge], ['live, day 5', 'catalog, day 1'], 'spot and on-demand each say where they came from');
    assert.deepEqual([azure.pool.priceAge, azure.pool.onDemandPriceAge], ['catalog, day 2', 'catalog, day 2']);

    const awsOnly = buildCalculatorResult(inputs, { pools: aws, notes: [] }, ageDeps);
    assert.deepEqual(awsOnly.byCloud.map((row) => row.cloud), ['aws']);
  });

  it('drops pools whose job would never finish, and fails only when none remain', () => {
    const hopeless = pool({ instanceType: 'p5.48xlarge', interruption: { perHour: 50, source: 'user' } });
    assert.throws(() => buildCalculatorResult({ ...inputs, noticeCheckpoint: false }, { pools: [hopeless], notes: [] }, deps), /never finishes/);
    const fine = pool({ instanceType: 'p4d.24xlarge', interruption: { perHour: 0.01, source: 'user' } });
    assert.deepEqual(buildCalculatorResult({ ...inputs, noticeCheckpoint: false }, { pools: [hopeless, fine], notes: [] }, deps).rows.map((row) => row.instanceType), ['p4d.24xlarge']);
  });

  it('reads a GPU need or an instance type and checks the regions', () => {
    assert.deepEqual(poolQueryOf({ ...inputs, gpuOrInstanceType: '8x H100' }, ['us-east-1']), { gpu: '8x H100', regions: ['us-east-1'], includeOtherClouds: true });
    assert.deepEqual(poolQueryOf({ ...inputs, regions: [], gpuOrInstanceType: 'g5.xlarge' }, ['us-east-1']), { instanceType: 'g5.xlarge', regions: undefined, includeOtherClouds: true });
    assert.throws(() => poolQueryOf({ ...inputs, regions: ['mars-1'] }, ['us-east-1']), (error: unknown) => error instanceof CalculatorInputError && error.field === 'regions');
  });

  it('turns an unknown GPU into an error on the GPU field', async () => {
    const service = new CalculatorService(async () => ({ scanPools: () => Promise.reject(new Error('Unknown GPU model "Potato"')) }), { ...deps, knownRegions: async () => ['us-east-1'] });
    await assert.rejects(service.calculate(inputs), (error: unknown) => error instanceof CalculatorInputError && error.field === 'gpuOrInstanceType');
    const empty = new CalculatorService(async () => ({ scanPools: async () => ({ pools: [], notes: [] }) }), { ...deps, knownRegions: async () => ['us-east-1'] });
    await assert.rejects(empty.calculate(inputs), /No spot pool offers "8x H100" in us-east-1/);
  });

  it('validates what the webview sends', () => {
    assert.deepEqual(parseCalculatorInputs({ ...inputs, jobHours: '12' }), { ...inputs, jobHours: 12, interruptionsPerHour: undefined, interruptionModel: 'advisor' });
    assert.deepEqual(parseCalculatorInputs({ ...inputs, jobHours: -1 }), { error: 'Job length (hours) must be a number ≥ 0.01.', field: 'jobHours' });
    assert.equal((parseCalculatorInputs({ ...inputs, gpuOrInstanceType: '  ' }) as { field?: string }).field, 'gpuOrInstanceType');
    assert.equal((parseCalculatorInputs(null) as { error?: string }).error, 'Inputs missing.');
  });
});
