import { createHash } from 'node:crypto';
import { instanceTypeSpec } from '../ec2/catalog/instanceTypes';
import type { PriceCatalog } from '../ec2/catalog/prices';

/** One product of the EC2 offer: a SKU with its attributes and its on-demand hourly price. */
export interface Offer {
  readonly sku: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly usdPerHour: number;
}

// AWS's fixed codes for the on-demand term and its hourly rate; every EC2 on-demand SKU uses them.
const ON_DEMAND_TERM = 'JRTCKXETXF';
const HOURLY_RATE = '6YS6EN2CT7';

/**
 * Each instance type and region is sold under three capacity statuses, as in the real offer: "Used"
 * (the price a user pays), "UnusedCapacityReservation" (same price) and
 * "AllocatedCapacityReservation" (0: already paid by the reservation). A client that forgets the
 * capacitystatus filter thus gets several products, one of them free, just as on AWS.
 */
const CAPACITY_STATUSES: ReadonlyArray<[status: string, priced: boolean]> = [
  ['Used', true],
  ['UnusedCapacityReservation', true],
  ['AllocatedCapacityReservation', false],
];

/** Every Linux, shared-tenancy product of the catalog, in catalog order (stable pagination). */
export function buildOffers(catalog: PriceCatalog): Offer[] {
  const offers: Offer[] = [];
  for (const [instanceType, entry] of Object.entries(catalog.instanceTypes)) {
    const spec = instanceTypeSpec(instanceType);
    for (const [regionCode, price] of Object.entries(entry.prices)) {
      for (const [capacitystatus, priced] of CAPACITY_STATUSES) {
        const attributes: Record<string, string> = {
          servicecode: 'AmazonEC2',
          servicename: 'Amazon Elastic Compute Cloud',
          location: catalog.regions[regionCode]?.name ?? regionCode,
          locationType: 'AWS Region',
          regionCode,
          instanceType,
          instanceFamily: 'GPU instance',
          currentGeneration: 'Yes',
          ...(spec ? { vcpu: String(spec.vcpus), memory: `${spec.memoryGiB} GiB`, gpu: String(spec.gpuCount), networkPerformance: spec.network } : {}),
          operatingSystem: 'Linux',
          tenancy: 'Shared',
          preInstalledSw: 'NA',
          licenseModel: 'No License required',
          capacitystatus,
          operation: 'RunInstances',
          marketoption: 'OnDemand',
        };
        offers.push({ sku: skuOf(regionCode, instanceType, capacitystatus), attributes, usdPerHour: priced ? price.usdPerHour : 0 });
      }
    }
  }
  return offers;
}

/** The PriceList item: the offer as a JSON string, shaped like AWS's aws_v1 format. */
export function offerJson(offer: Offer, catalog: Pick<PriceCatalog, 'asOf'>): string {
  const published = `${catalog.asOf}T00:00:00Z`;
  const termCode = `${offer.sku}.${ON_DEMAND_TERM}`;
  const rateCode = `${termCode}.${HOURLY_RATE}`;
  const usd = offer.usdPerHour.toFixed(10);
  return JSON.stringify({
    product: { productFamily: 'Compute Instance', attributes: offer.attributes, sku: offer.sku },
    serviceCode: 'AmazonEC2',
    terms: {
      OnDemand: {
        [termCode]: {
          priceDimensions: {
            [rateCode]: {
              unit: 'Hrs',
              endRange: 'Inf',
              description: `$${usd} per On Demand ${offer.attributes.operatingSystem} ${offer.attributes.instanceType} Instance Hour`,
              appliesTo: [],
              rateCode,
              beginRange: '0',
              pricePerUnit: { USD: usd },
            },
          },
          sku: offer.sku,
          effectiveDate: published,
          offerTermCode: ON_DEMAND_TERM,
          termAttributes: {},
        },
      },
    },
    version: `${catalog.asOf.replace(/-/g, '')}000000`,
    publicationDate: published,
  });
}

/** 16 characters like AWS's SKUs, fixed by the product so every run serves the same SKUs. */
function skuOf(...parts: string[]): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const digest = createHash('sha256').update(parts.join('|')).digest();
  return Array.from(digest.subarray(0, 16), (byte) => alphabet[byte % alphabet.length]).join('');
}
