import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventSink } from '../contract';
import { closeServer, readBody } from '../http/serverUtil';
import { loadPriceCatalog, type PriceCatalog } from '../ec2/catalog/prices';
import { describeServices } from './describeServices';
import { getProducts } from './getProducts';
import { buildOffers, offerJson, type Offer } from './offers';
import { errorBody, PricingError } from './pricingErrors';

export interface PricingServerOptions {
  readonly events: EventSink;
  /** The on-demand catalog; resources/prices/aws-ec2-gpu-on-demand.json when absent. */
  readonly catalog?: PriceCatalog;
}

const TARGET_PREFIX = 'AWSPriceListService.';
// The Price List API has endpoints in these regions only; each serves the same offers.
const PRICING_REGIONS = new Set(['us-east-1', 'eu-central-1', 'ap-south-1']);
const MAX_BODY = 1024 * 1024;

type Operation = (body: Record<string, unknown>) => unknown;

/**
 * The AWS Price List API (AWS JSON 1.1 over POST /) for the on-demand catalog: GetProducts and
 * DescribeServices, JSON 1.1 errors, and a fault switch for 5xx answers.
 */
export class PricingServer {
  private server?: http.Server;
  private readonly catalog: PriceCatalog;
  private readonly offers: readonly Offer[];
  private readonly operations: Record<string, Operation>;
  private failures = { left: 0, status: 500 };

  constructor(private readonly options: PricingServerOptions) {
    this.catalog = options.catalog ?? loadPriceCatalog();
    this.offers = buildOffers(this.catalog);
    this.operations = {
      GetProducts: (body) => getProducts(body, this.offers, (offer) => offerJson(offer, this.catalog)),
      DescribeServices: (body) => describeServices(body, this.offers),
    };
  }

  async start(port = 0, host = '127.0.0.1'): Promise<{ url: string }> {
    const server = http.createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return { url: `http://${host}:${(server.address() as AddressInfo).port}` };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  /** The next `count` calls answer 500 InternalErrorException (or 503 ServiceUnavailableException). */
  failNext(count: number, status = 500): void {
    this.failures = { left: Math.max(0, Math.floor(count)), status: status === 503 ? 503 : 500 };
    this.options.events.record('pricing-fault', { count: this.failures.left, status: this.failures.status });
  }

  clearFaults(): void {
    this.failures = { left: 0, status: 500 };
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const raw = await readBody(request, MAX_BODY, () => new PricingError('SerializationException', 'Request body too large.', 413));
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
      this.send(response, 200, JSON.stringify(operation(parseBody(raw, request.headers['content-type']))), requestId);
    } catch (error) {
      const known = error instanceof PricingError ? error : new PricingError('InternalErrorException', 'An internal error has occurred.', 500);
      // An unexpected exception is a sandbox bug: answer as AWS would, and say so on stderr.
      if (!(error instanceof PricingError)) console.error('[sandbox pricing] request failed:', error);
      this.send(response, known.status, errorBody(known), requestId);
    }
  }

  private send(response: http.ServerResponse, status: number, body: string, requestId: string): void {
    if (response.headersSent) return;
    const bytes = Buffer.from(body, 'utf8');
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': bytes.length, 'x-amzn-requestid': requestId });
    response.end(bytes);
  }
}


function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!/^application\/x-amz-json-1\.1\b/i.test(contentType ?? '')) {
    throw new PricingError('SerializationException', `Unsupported Content-Type '${contentType ?? ''}'; expected application/x-amz-json-1.1.`);
  }
  let body: unknown;
  try {
    body = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    throw new PricingError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PricingError('SerializationException', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

/**
 * Signatures are not verified (dummy keys) but the SigV4 scope must name the pricing service in
 * one of its regions, so a client that signs for another service or region fails as on AWS.
 */
function checkScope(authorization: string | undefined): void {
  if (!authorization) throw new PricingError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
  const scope = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/.exec(authorization);
  if (!scope) throw new PricingError('InvalidSignatureException', 'The request signature is malformed (AWS Signature Version 4 expected).', 403);
  const [, region, service] = scope;
  if (service !== 'pricing') throw new PricingError('InvalidSignatureException', `Credential should be scoped to correct service: 'pricing', not '${service}'.`, 403);
  if (!PRICING_REGIONS.has(region)) {
    throw new PricingError('InvalidSignatureException', `Credential should be scoped to a valid region: the Price List API is in ${[...PRICING_REGIONS].join(', ')}, not '${region}'.`, 403);
  }
}
