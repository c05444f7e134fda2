import type * as http from 'node:http';
import type { EventSink } from '../contract';
import { AWS_JSON_1_1, AwsJsonServer, parseJsonObject, signedRegion } from '../http/awsJson';
import { loadPriceCatalog, type PriceCatalog } from '../ec2/catalog/prices';
import { describeServices } from './describeServices';
import { getProducts } from './getProducts';
import { buildOffers, offerJson, type Offer } from './offers';
import { PricingError } from './pricingErrors';

export interface PricingServerOptions {
  readonly events: EventSink;
  /** The on-demand catalog; resources/prices/aws-ec2-gpu-on-demand.json when absent. */
  readonly catalog?: PriceCatalog;
}

const TARGET_PREFIX = 'AWSPriceListService.';
// The Price List API has endpoints in these regions only; each serves the same offers.
const PRICING_REGIONS = new Set(['us-east-1', 'eu-central-1', 'ap-south-1']);

type Operation = (body: Record<string, unknown>) => unknown;

/**
 * The AWS Price List API (AWS JSON 1.1 over POST /) for the on-demand catalog: GetProducts and
 * DescribeServices, JSON 1.1 errors, and a fault switch for 5xx answers.
 */
export class PricingServer extends AwsJsonServer<PricingError> {
  private readonly catalog: PriceCatalog;
  private readonly offers: readonly Offer[];
  private readonly operations: Record<string, Operation>;
  private failures = { left: 0, status: 500 };

  constructor(private readonly options: PricingServerOptions) {
    super({ name: 'pricing', protocol: AWS_JSON_1_1, errorClass: PricingError, codes: { tooLarge: 'SerializationException', internal: 'InternalErrorException' } });
    this.catalog = options.catalog ?? loadPriceCatalog();
    this.offers = buildOffers(this.catalog);
    this.operations = {
      GetProducts: (body) => getProducts(body, this.offers, (offer) => offerJson(offer, this.catalog)),
      DescribeServices: (body) => describeServices(body, this.offers),
    };
  }

  /** The next `count` calls answer 500 InternalErrorException (or 503 ServiceUnavailableException). */
  failNext(count: number, status = 500): void {
    this.failures = { left: Math.max(0, Math.floor(count)), status: status === 503 ? 503 : 500 };
    this.options.events.record('pricing-fault', { count: this.failures.left, status: this.failures.status });
  }

  clearFaults(): void {
    this.failures = { left: 0, status: 500 };
  }

  protected override operate(request: http.IncomingMessage, raw: string): unknown {
    if (request.method !== 'POST') throw new PricingError('UnknownOperationException', `The HTTP method ${request.method} is not supported; use POST.`);
    checkScope(request.headers.authorization);
    const target = String(request.headers['x-amz-target'] ?? '');
    const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const operation = Object.hasOwn(this.operations, name) ? this.operations[name] : undefined;
    if (!operation) {
      throw new PricingError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}.`);
    }
    if (this.failures.left > 0) {
      this.failures.left--;
      throw this.failures.status === 503
        ? new PricingError('ServiceUnavailableException', 'Service is unavailable.', 503)
        : new PricingError('InternalErrorException', 'An internal error has occurred.', 500);
    }
    return operation(parseBody(raw, request.headers['content-type']));
  }
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!/^application\/x-amz-json-1\.1\b/i.test(contentType ?? '')) {
    throw new PricingError('SerializationException', `Unsupported Content-Type '${contentType ?? ''}'; expected application/x-amz-json-1.1.`);
  }
  return parseJsonObject(raw, (message) => new PricingError('SerializationException', message));
}

/**
 * Signatures are not verified (dummy keys) but the SigV4 scope must name the pricing service in
 * one of its regions, so a client that signs for another service or region fails as on AWS.
 */
function checkScope(authorization: string | undefined): void {
  const region = signedRegion(authorization, 'pricing', (code, message) => new PricingError(code, message, 403));
  if (!PRICING_REGIONS.has(region)) {
    throw new PricingError('InvalidSignatureException', `Credential should be scoped to a valid region: the Price List API is in ${[...PRICING_REGIONS].join(', ')}, not '${region}'.`, 403);
  }
}
