import type { Offer } from './offers';
import { SERVICE_CODE } from './getProducts';

/** DescribeServices, enough for a client that first asks which attributes it can filter on. */
export function describeServices(body: Record<string, unknown>, offers: readonly Offer[]): Record<string, unknown> {
  const asked = body.ServiceCode;
  const attributeNames = [...new Set(offers.flatMap((offer) => Object.keys(offer.attributes)))].sort();
  const services = asked === undefined || asked === SERVICE_CODE ? [{ ServiceCode: SERVICE_CODE, AttributeNames: attributeNames }] : [];
  return { FormatVersion: 'aws_v1', Services: services };
}
