import * as assert from 'node:assert/strict';
import { otherCloudsLine, rankOtherCloudOptions } from '../../../src/core/launch/crossCloudPreflight';
import type { Pool } from '../../../src/core/pricing/pricingTypes';

const NOW = Date.parse('2026-12-07T12:00:00Z');

const pool = (cloud: 'gcp' | 'azure', region: string, instanceType: string, spot: number, perHour: number): Pool => ({
  cloud,
  region,
  instanceType,
  gpu: { model: 'L4', count: 1, memoryGiB: 24 },
  spot: { usdPerHour: spot, source: cloud === 'gcp' ? 'live' : 'catalog', asOf: cloud === 'gcp' ? NOW - 120_000 : Date.parse('2025-05-01T00:00:00Z'), estimate: false },
  onDemand: { usdPerHour: spot * 3, source: 'catalog', asOf: 0, estimate: false },
  interruption: { perHour, source: 'preset' },
  noticeSeconds: 30,
});

describe('the launch pre-flight ranks the other clouds a session may move to', () => {
  it('keeps each (cloud, region) at its cheapest pool and ranks by the expected cost of the job, not by the hourly price', () => {
    // Azure is cheaper by the hour but interrupted so often that the 24 h job costs more there.
    const options = rankOtherCloudOptions(
      [pool('gcp', 'us-central1', 'g2-standard-8', 0.5, 0.01), pool('gcp', 'us-central1', 'g2-standard-4', 0.3, 0.01), pool('azure', 'eastus', 'Standard_NC4as_T4_v3', 0.28, 0.5)],
      { checkpointsOnNotice: false, now: NOW },
    );
    assert.deepEqual(options.map((option) => `${option.cloud} ${option.region} ${option.pool.instanceType}`), ['gcp us-central1 g2-standard-4', 'azure eastus Standard_NC4as_T4_v3']);
    assert.ok(options[0].jobCostUsd! < options[1].jobCostUsd!);
    assert.match(options[0].text, /^Google Cloud us-central1 g2-standard-4 \$0\.300\/h \(live, 2 min ago\), 30 s notice: 24 h job: spot ≈ \$/);
    assert.match(options[1].text, /catalog/);
  });

  it('counts a measured notice checkpoint only where it fits that cloud\'s notice', () => {
    // 400 MB at 20 MB/s: 20 s, inside AWS's 2 minutes but not inside the 10 s a 30 s notice leaves for the upload.
    const uploads = { samples: [{ at: NOW, instanceId: 'i-1', uploadedBytes: 100e6, seconds: 5 }], last: { at: NOW, instanceId: 'i-1', bytes: 400e6 } };
    const [measured] = rankOtherCloudOptions([pool('gcp', 'us-central1', 'g2-standard-4', 0.3, 0.2)], { checkpointsOnNotice: true, uploads, now: NOW });
    const [assumed] = rankOtherCloudOptions([pool('gcp', 'us-central1', 'g2-standard-4', 0.3, 0.2)], { checkpointsOnNotice: true, now: NOW });
    assert.match(measured.text, /notice checkpoint not counted: too big for the notice/);
    assert.ok(measured.jobCostUsd! > assumed.jobCostUsd!);
  });

  it('says where the session may go, what is not priced, and the egress out of the source cloud', () => {
    const options = rankOtherCloudOptions([pool('gcp', 'us-central1', 'g2-standard-4', 0.3, 0.01)], { checkpointsOnNotice: true, now: NOW });
    const line = otherCloudsLine('aws', options, ['Azure Standard_X in westus']);
    assert.match(line, /^If AWS has no Spot capacity at a notice, the session may move to another cloud, by expected cost of the job: 1\) Google Cloud us-central1/);
    assert.match(line, /No price known for Azure Standard_X in westus\. The checkpoint is copied out at AWS's egress list price, \$0\.09\/GB\.$/);
    assert.equal(otherCloudsLine('aws', [], []), '');
  });
});
