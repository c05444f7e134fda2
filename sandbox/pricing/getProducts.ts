import { createHash } from 'node:crypto';
import { invalidParameter, PricingError } from './pricingErrors';
import type { Offer } from './offers';

export const SERVICE_CODE = 'AmazonEC2';
const FORMAT_VERSION = 'aws_v1';
/** AWS's default and largest page of GetProducts. */
const MAX_RESULTS = 100;

interface Filter {
  readonly type: string;
  readonly field: string;
  readonly value: string;
}

export interface ProductsPage {
  readonly FormatVersion: string;
  readonly PriceList: string[];
  readonly NextToken?: string;
}

/**
 * GetProducts over the sandbox's offers: validates the request as AWS does, keeps the products
 * every filter matches, and pages them with an opaque token tied to the query it came from.
 */
export function getProducts(body: Record<string, unknown>, offers: readonly Offer[], render: (offer: Offer) => string): ProductsPage {
  const serviceCode = body.ServiceCode;
  if (typeof serviceCode !== 'string' || serviceCode === '') throw invalidParameter('ServiceCode is required.');
  // The sandbox serves only the EC2 offer; AWS answers an unknown service code the same way.
  if (serviceCode !== SERVICE_CODE) throw new PricingError('NotFoundException', `Service ${serviceCode} was not found.`);
  if (body.FormatVersion !== undefined && body.FormatVersion !== FORMAT_VERSION) {
    throw invalidParameter(`FormatVersion ${JSON.stringify(body.FormatVersion)} is not supported; use ${FORMAT_VERSION}.`);
  }
  const filters = readFilters(body.Filters);
  const maxResults = readMaxResults(body.MaxResults);
  const matching = offers.filter((offer) => filters.every((filter) => matches(offer, filter)));
  const query = queryKey(filters);
  const start = body.NextToken === undefined ? 0 : readToken(body.NextToken, query);
  const end = start + maxResults;
  return {
    FormatVersion: FORMAT_VERSION,
    PriceList: matching.slice(start, end).map(render),
    ...(end < matching.length ? { NextToken: Buffer.from(JSON.stringify({ offset: end, query })).toString('base64url') } : {}),
  };
}

function readFilters(raw: unknown): Filter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalidParameter('Filters must be a list.');
  return raw.map((item: unknown, index) => {
    const { Type: type, Field: field, Value: value } = (item ?? {}) as Record<string, unknown>;
    if (typeof type !== 'string' || typeof field !== 'string' || typeof value !== 'string' || field === '') {
      throw invalidParameter(`Filters[${index}] needs Type, Field and Value.`);
    }
    if (!['TERM_MATCH', 'EQUALS', 'CONTAINS', 'ANY_OF', 'NONE_OF'].includes(type)) {
      throw invalidParameter(`Filters[${index}].Type ${type} is not valid; use TERM_MATCH, EQUALS, CONTAINS, ANY_OF or NONE_OF.`);
    }
    return { type, field, value };
  });
}

function readMaxResults(raw: unknown): number {
  if (raw === undefined) return MAX_RESULTS;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > MAX_RESULTS) {
    throw invalidParameter(`MaxResults must be an integer from 1 to ${MAX_RESULTS}.`);
  }
  return raw;
}

/** Attribute names match whatever their case (AWS accepts "instanceType" and "InstanceType"). */
function matches(offer: Offer, filter: Filter): boolean {
  const field = filter.field.toLowerCase();
  const found = field === 'sku' ? offer.sku : Object.entries(offer.attributes).find(([name]) => name.toLowerCase() === field)?.[1];
  const values = filter.value.split(',').map((value) => value.trim());
  switch (filter.type) {
    case 'CONTAINS':
      return found !== undefined && found.includes(filter.value);
    case 'ANY_OF':
      return found !== undefined && values.includes(found);
    case 'NONE_OF':
      return found === undefined || !values.includes(found);
    default:
      return found === filter.value;
  }
}

function queryKey(filters: readonly Filter[]): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('hex').slice(0, 16);
}

/** A token only continues the query that issued it, like AWS's. */
function readToken(raw: unknown, query: string): number {
  try {
    const token = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8')) as { offset?: unknown; query?: unknown };
    if (token.query === query && typeof token.offset === 'number' && Number.isInteger(token.offset) && token.offset > 0) return token.offset;
  } catch {
    // Falls through to the error below.
  }
  throw new PricingError('InvalidNextTokenException', 'The pagination token is invalid for this request.');
}
