import * as assert from 'node:assert/strict';
import { parseGpuNeed } from '../../../src/core/pricing/gpuNeed';
import { awsGpuSpec } from '../../../src/core/pricing/gpuSpecs';
import { ADVISOR_BUCKETS, monthlyFrequencyToHourly, presetForModel, presetRate, rateFromBucket, userRate } from '../../../src/core/pricing/interruption';
import { priceAgeLabel } from '../../../src/core/pricing/priceAge';

describe('parseGpuNeed', () => {
  it('reads count and model, case-insensitively', () => {
    assert.deepEqual(parseGpuNeed('8x H100'), { count: 8, model: 'H100' });
    assert.deepEqual(parseGpuNeed('1x a10g'), { count: 1, model: 'A10G' });
    assert.deepEqual(parseGpuNeed(' 4 X l40s '), { count: 4, model: 'L40S' });
    assert.deepEqual(parseGpuNeed('H100'), { count: 1, model: 'H100' });
  });

  it('rejects bad text with the accepted forms', () => {
    assert.throws(() => parseGpuNeed('lots of GPUs'), /accepted forms: "8x H100"/);
    assert.throws(() => parseGpuNeed('0x H100'), /count must be 1 or more/);
    assert.throws(() => parseGpuNeed('2x RTX4090'), /Unknown GPU model "RTX4090".*H100/);
  });
});

describe('awsGpuSpec', () => {
  it('knows the GPUs of catalog types', () => {
    assert.deepEqual(awsGpuSpec('p5.48xlarge'), { model: 'H100', count: 8, memoryGiB: 640 });
    assert.deepEqual(awsGpuSpec('g4dn.12xlarge'), { model: 'T4', count: 4, memoryGiB: 64 });
    assert.equal(awsGpuSpec('m5.large'), undefined);
  });
});

describe('interruption rates', () => {
  it('converts a monthly frequency to an hourly Poisson rate: -ln(1 - f) / 730', () => {
    assert.ok(Math.abs(monthlyFrequencyToHourly(0.025) - 3.4683e-5) < 1e-8);
    // Back again: the chance of lasting a month at that rate is 1 - f.
    const lambda = monthlyFrequencyToHourly(0.25);
    assert.ok(Math.abs(Math.exp(-lambda * 730) - 0.75) < 1e-12);
  });

  it('uses the bucket midpoint (25 % for the open >20% bucket)', () => {
    assert.deepEqual(ADVISOR_BUCKETS.map((b) => b.midpoint), [0.025, 0.075, 0.125, 0.175, 0.25]);
    const rate = rateFromBucket(4);
    assert.equal(rate.bucket, '>20%');
    assert.equal(rate.source, 'advisor-bucket');
    assert.ok(Math.abs(rate.perHour - -Math.log(0.75) / 730) < 1e-15);
    assert.ok(rateFromBucket(0).perHour < rateFromBucket(1).perHour);
    assert.throws(() => rateFromBucket(5), /range index 5/);
  });

  it('offers the article presets and a user override', () => {
    assert.deepEqual(presetRate('H100'), { perHour: 0.041, source: 'preset' });
    assert.equal(presetRate('A100').perHour, 0.023);
    assert.equal(presetRate('V100').perHour, 0.008);
    assert.equal(presetForModel('h200'), 'H100');
    assert.equal(presetForModel('T4'), undefined);
    assert.deepEqual(userRate(0.01), { perHour: 0.01, source: 'user' });
    assert.throws(() => userRate(-1), /interruptions per hour/);
  });
});

describe('priceAgeLabel', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');
  it('labels live prices by age and catalog prices by month', () => {
    assert.equal(priceAgeLabel({ source: 'live', asOf: now - 5_000 }, now), 'live, just now');
    assert.equal(priceAgeLabel({ source: 'live', asOf: now - 2 * 60_000 - 10_000 }, now), 'live, 2 min ago');
    assert.equal(priceAgeLabel({ source: 'live', asOf: now - 3 * 3_600_000 }, now), 'live, 3 h ago');
    assert.equal(priceAgeLabel({ source: 'catalog', asOf: Date.parse('2025-05-31') }, now), 'catalog, 2025-05');
  });
});
