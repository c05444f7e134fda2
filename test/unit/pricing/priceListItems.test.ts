import * as assert from 'node:assert/strict';
import { onDemandUsdPerHour, parsePriceListItem } from '../../../src/core/aws/priceListItems';

/** One GetProducts PriceList item in the aws_v1 shape (written for this test, SKU made up). */
function priceListItem(options: { instanceType?: string; regionCode?: string; usd?: string; unit?: string } = {}): string {
  const sku = 'Q7ZT3MVNXKA5E2HB';
  const term = `${sku}.JRTCKXETXF`;
  const rate = `${term}.6YS6EN2CT7`;
  return JSON.stringify({
    product: {
      productFamily: 'Compute Instance',
      attributes: {
        servicecode: 'AmazonEC2',
        location: 'US East (N. Virginia)',
        locationType: 'AWS Region',
        instanceType: options.instanceType ?? 'p5.48xlarge',
        regionCode: options.regionCode ?? 'us-east-1',
        operatingSystem: 'Linux',
        tenancy: 'Shared',
        preInstalledSw: 'NA',
        capacitystatus: 'Used',
        licenseModel: 'No License required',
        gpu: '8',
      },
      sku,
    },
    serviceCode: 'AmazonEC2',
    terms: {
      OnDemand: {
        [term]: {
          priceDimensions: {
            [rate]: { unit: options.unit ?? 'Hrs', endRange: 'Inf', description: 'per On Demand Linux p5.48xlarge Instance Hour', appliesTo: [], rateCode: rate, beginRange: '0', pricePerUnit: { USD: options.usd ?? '98.3200000000' } },
          },
          sku,
          effectiveDate: '2025-05-01T00:00:00Z',
          offerTermCode: 'JRTCKXETXF',
          termAttributes: {},
        },
      },
    },
    version: '20250531000000',
    publicationDate: '2025-05-31T00:00:00Z',
  });
}

const P5 = { instanceType: 'p5.48xlarge', regionCode: 'us-east-1' };

describe('Price List items', () => {
  it('reads the hourly on-demand price of a real-shaped item', () => {
    assert.equal(onDemandUsdPerHour(priceListItem(), P5), 98.32);
  });

  it('accepts the SDK\'s String objects and already parsed objects', () => {
    const text = priceListItem({ usd: '1.0060000000', instanceType: 'g5.xlarge', regionCode: 'us-west-2' });
    const expected = { instanceType: 'g5.xlarge', regionCode: 'us-west-2' };
    // The SDK hands PriceList items over as String objects.
    assert.equal(onDemandUsdPerHour(new String(text), expected), 1.006);
    assert.equal(onDemandUsdPerHour(JSON.parse(text), expected), 1.006);
  });

  it('ignores free capacity-reservation rows, other units, other products and garbage', () => {
    assert.equal(onDemandUsdPerHour(priceListItem({ usd: '0.0000000000' }), P5), undefined);
    assert.equal(onDemandUsdPerHour(priceListItem({ unit: 'Quantity' }), P5), undefined);
    assert.equal(onDemandUsdPerHour(priceListItem({ instanceType: 'p4d.24xlarge' }), P5), undefined);
    assert.equal(onDemandUsdPerHour(priceListItem({ regionCode: 'eu-west-1' }), P5), undefined);
    assert.equal(onDemandUsdPerHour('{not json', P5), undefined);
    assert.equal(parsePriceListItem('"just a string"'), undefined);
    assert.equal(onDemandUsdPerHour(JSON.stringify({ product: {}, terms: {} }), P5), undefined);
  });
});
