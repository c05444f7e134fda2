import * as assert from 'node:assert/strict';
import type { DescribeSpotPriceHistoryCommandInput } from '@aws-sdk/client-ec2';
import type { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { Ec2SpotPriceHistory, HISTORY_RETENTION_MS } from '../../../src/core/billing/priceHistorySource';
import { SpotboxError } from '../../../src/core/errors';

const POOL = { region: 'eu-west-1', instanceType: 'p4d.24xlarge', availabilityZone: 'eu-west-1b' };

/** A pool whose one client answers pages from a list, recording what was asked. */
function fakePool(pages: Array<{ SpotPriceHistory: object[]; NextToken?: string } | Error>): { pool: Ec2ClientPool; inputs: DescribeSpotPriceHistoryCommandInput[]; regions: string[] } {
  const inputs: DescribeSpotPriceHistoryCommandInput[] = [];
  const regions: string[] = [];
  const client = {
    send: async (command: { input: DescribeSpotPriceHistoryCommandInput }) => {
      inputs.push(command.input);
      const page = pages.shift();
      if (page instanceof Error) throw page;
      return page ?? { SpotPriceHistory: [] };
    },
  };
  const pool = { client: async (region: string) => (regions.push(region), client) } as unknown as Ec2ClientPool;
  return { pool, inputs, regions };
}

describe('Ec2SpotPriceHistory', () => {
  it('asks EC2 for one pool over the window, follows pages, and keeps only that pool, oldest first', async () => {
    const { pool, inputs, regions } = fakePool([
      {
        SpotPriceHistory: [
          { AvailabilityZone: 'eu-west-1b', InstanceType: 'p4d.24xlarge', SpotPrice: '9.8000', Timestamp: new Date(3_000) },
          { AvailabilityZone: 'eu-west-1c', InstanceType: 'p4d.24xlarge', SpotPrice: '1.0000', Timestamp: new Date(2_500) },
        ],
        NextToken: 'page-2',
      },
      { SpotPriceHistory: [{ AvailabilityZone: 'eu-west-1b', InstanceType: 'p4d.24xlarge', SpotPrice: '9.5000', Timestamp: new Date(1_000) }] },
    ]);
    const source = new Ec2SpotPriceHistory(() => pool);
    const changes = await source.priceHistory(POOL, 500, 4_000);
    assert.deepEqual(changes, [
      { timestamp: 1_000, usdPerHour: 9.5 },
      { timestamp: 3_000, usdPerHour: 9.8 },
    ]);
    assert.deepEqual(regions, ['eu-west-1'], 'one client for all pages');
    assert.equal(inputs.length, 2);
    assert.deepEqual(inputs[0]?.InstanceTypes, ['p4d.24xlarge']);
    assert.equal(inputs[0]?.AvailabilityZone, 'eu-west-1b');
    assert.deepEqual(inputs[0]?.ProductDescriptions, ['Linux/UNIX']);
    assert.equal(inputs[0]?.StartTime?.getTime(), 500);
    assert.equal(inputs[0]?.EndTime?.getTime(), 4_000);
    assert.equal(inputs[1]?.NextToken, 'page-2');
  });

  it('never asks for more than EC2 keeps', async () => {
    const { pool, inputs } = fakePool([]);
    const end = Date.UTC(2025, 5, 1);
    await new Ec2SpotPriceHistory(() => pool).priceHistory(POOL, end - 200 * 24 * 3_600_000, end);
    assert.equal(inputs[0]?.StartTime?.getTime(), end - HISTORY_RETENTION_MS);
  });

  it('turns an SDK failure into one that names the action and region', async () => {
    const { pool } = fakePool([Object.assign(new Error('Rate exceeded'), { name: 'RequestLimitExceeded' })]);
    await assert.rejects(new Ec2SpotPriceHistory(() => pool).priceHistory(POOL, 0, 1), (error: unknown) => {
      assert.ok(error instanceof SpotboxError);
      assert.match(error.message, /Reading spot price history in eu-west-1/);
      return true;
    });
  });
});
