import * as assert from 'node:assert/strict';
import { decidePriceMove, type PriceMoveInput } from '../../../src/core/crossCloud/moveDecision';
import { preflightJobEstimate } from '../../../src/core/launch/preflightEstimate';
import type { Pool } from '../../../src/core/pricing/pricingTypes';

const NOW = Date.parse('2026-12-07T12:00:00Z');

function pool(cloud: 'aws' | 'gcp' | 'azure', region: string, instanceType: string, spot: number, options: { source?: 'live' | 'catalog'; perHour?: number } = {}): Pool {
  return {
    cloud,
    region,
    instanceType,
    gpu: { model: 'L4', count: 1, memoryGiB: 24 },
    spot: { usdPerHour: spot, source: options.source ?? 'live', asOf: NOW - 60_000, estimate: false },
    onDemand: { usdPerHour: 1.2, source: 'catalog', asOf: 0, estimate: false },
    interruption: { perHour: options.perHour ?? 0.01, source: 'preset' },
    noticeSeconds: cloud === 'aws' ? 120 : 30,
  };
}

const aws = [pool('aws', 'us-east-1', 'g5.xlarge', 0.43), pool('aws', 'us-east-1', 'g4dn.xlarge', 0.5)];
const gcp = [pool('gcp', 'us-central1', 'g2-standard-4', 0.28), pool('gcp', 'us-central1', 'g2-standard-8', 0.6)];

function input(overrides: Partial<PriceMoveInput> = {}): PriceMoveInput {
  return { home: aws, others: gcp, cheaperByPercent: 20, maxPrice: { gcp: 2 }, checkpointBytes: 1_000_000, checkpointsOnNotice: true, now: NOW, ...overrides };
}

describe('decidePriceMove: a session moves for price by the pre-flight\'s cost model', () => {
  it('moves when the best other cloud\'s expected job cost, egress added, is below the cheapest pool here by the margin, and records both sides', () => {
    const verdict = decidePriceMove(input());
    assert.ok(verdict.move, verdict.reason);
    const { comparison } = verdict;
    assert.equal(comparison.from.instanceType, 'g5.xlarge');
    assert.equal(comparison.to.instanceType, 'g2-standard-4');
    assert.equal(comparison.fromUsdPerHour, 0.43);
    assert.equal(comparison.toUsdPerHour, 0.28);
    // The same figures the launch's pre-flight shows for these pools.
    const here = preflightJobEstimate(aws[0], true).spotCostUsd!;
    const there = preflightJobEstimate(gcp[0], true).spotCostUsd!;
    assert.equal(comparison.from.jobUsd, here);
    assert.equal(comparison.to.jobUsd, there);
    assert.ok(Math.abs(comparison.egressUsd - 0.00009) < 1e-12, 'AWS egress of 1 MB at $0.09/GB');
    assert.ok(Math.abs(comparison.percentCheaper - ((here - there - comparison.egressUsd) / here) * 100) < 1e-9);
    assert.equal(comparison.checkpointBytes, 1_000_000);
    assert.equal(comparison.cheaperByPercent, 20);
    assert.deepEqual([comparison.from.source, comparison.to.source, comparison.to.asOf], ['live', 'live', NOW - 60_000]);
    assert.match(verdict.reason, /^Google Cloud us-central1 g2-standard-4 \$[\d.]+ \+ egress \$0\.00009 vs AWS us-east-1 g5\.xlarge \$[\d.]+ for a 24 h job: 3\d\.\d % cheaper, at least the 20 % margin$/);
  });

  it('stays when the other cloud is cheaper, but by less than the margin', () => {
    const verdict = decidePriceMove(input({ cheaperByPercent: 40 }));
    assert.equal(verdict.move, false);
    assert.ok(verdict.comparison && verdict.comparison.percentCheaper > 0 && verdict.comparison.percentCheaper < 40);
    assert.match(verdict.reason, /below the 40 % margin$/);
  });

  it('counts the checkpoint\'s egress: a big enough checkpoint makes the move not worth it', () => {
    // 60 GB out of AWS at $0.09/GB is $5.40, more than the 24 h job saves.
    const verdict = decidePriceMove(input({ checkpointBytes: 60e9 }));
    assert.equal(verdict.move, false);
    assert.ok(Math.abs(verdict.comparison!.egressUsd - 5.4) < 1e-9);
  });

  it('picks the other cloud\'s pool by the expected cost of the job, not by its hourly price', () => {
    // Without a notice checkpoint, us-central1's cheaper hour is interrupted so often that its job costs more.
    const often = pool('gcp', 'us-central1', 'g2-standard-4', 0.3, { perHour: 0.5 });
    const steady = pool('gcp', 'us-west1', 'g2-standard-4', 0.34);
    const verdict = decidePriceMove(input({ others: [often, steady], checkpointsOnNotice: false }));
    assert.ok(verdict.move, verdict.reason);
    assert.equal(verdict.comparison.to.region, 'us-west1');
    assert.ok(preflightJobEstimate(often, false).spotCostUsd! > verdict.comparison.to.jobUsd);
  });

  it('compares live prices only: a catalog figure on either side never moves a session', () => {
    const catalogHere = decidePriceMove(input({ home: aws.map((candidate) => ({ ...candidate, spot: { ...candidate.spot, source: 'catalog' as const } })) }));
    assert.equal(catalogHere.move, false);
    assert.match(catalogHere.reason, /no live Spot price for the replacement's pools \(g5\.xlarge us-east-1 catalog, g4dn\.xlarge us-east-1 catalog\)/);
    const catalogThere = decidePriceMove(input({ others: [pool('gcp', 'us-central1', 'g2-standard-4', 0.1, { source: 'catalog' })] }));
    assert.equal(catalogThere.move, false);
    assert.match(catalogThere.reason, /no live Spot price on the other clouds/);
  });

  it('leaves out pools above the other cloud\'s maxPrice (its launch would be refused)', () => {
    const verdict = decidePriceMove(input({ maxPrice: { gcp: 0.25 } }));
    assert.equal(verdict.move, false);
    assert.match(verdict.reason, /above its maxPrice/);
  });

  it('with no checkpoint size known, counts no egress and says so in the record', () => {
    const { checkpointBytes: _unused, ...rest } = input();
    void _unused;
    const verdict = decidePriceMove(rest);
    assert.ok(verdict.move);
    assert.equal(verdict.comparison.egressUsd, 0);
    assert.equal(verdict.comparison.checkpointBytes, undefined);
  });
});
