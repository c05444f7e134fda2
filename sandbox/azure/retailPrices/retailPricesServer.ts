/**
 * Azure's Retail Prices API (https://prices.azure.com/api/retail/prices): no sign-in, `$filter` in
 * the API's OData subset, pages of 100 items linked by an absolute `NextPageLink` (`$skip`), and the
 * API's error body `{"Error":{"Code","Message"}}`. HTTPS when given a certificate, as the sandbox's
 * Azure side is.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FilterError, parseFilter } from './odataFilter';
import { loadAzureGpuCatalog, retailPriceItems, type AzureGpuCatalog, type RetailPriceItem } from './retailPriceTable';

/** The API's page: 100 items at most. */
export const PAGE_SIZE = 100;

export interface RetailPricesServerOptions {
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP without. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** The GPU sizes and regions to list; resources/prices/azure-gpu.json when absent. */
  readonly catalog?: AzureGpuCatalog;
  /** When the meters took effect (default: the start of the current month). */
  readonly effectiveStartDate?: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class RetailPricesServer {
  private server?: http.Server | https.Server;
  private url = '';
  readonly items: readonly RetailPriceItem[];

  constructor(private readonly options: RetailPricesServerOptions = {}) {
    const month = new Date();
    const effective = options.effectiveStartDate ?? new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1)).toISOString().replace('.000Z', 'Z');
    this.items = retailPriceItems(options.catalog ?? loadAzureGpuCatalog(), effective);
  }

  /** Listens on 127.0.0.1:port (0: a free one); `url` is the base to give SPOTBOX_AZURE_RETAIL_PRICES_URL. */
  async start(port = 0): Promise<{ url: string }> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => this.handle(req, res);
    const server = this.options.tls ? https.createServer({ cert: this.options.tls.cert, key: this.options.tls.key }, handler) : http.createServer(handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.url = `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url: this.url };
  }

  /** Stops listening and drops kept-alive connections. */
  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    try {
      const url = new URL(req.url ?? '/', this.url);
      if (url.pathname !== '/api/retail/prices') throw new ApiError(404, 'NotFound', 'The requested resource does not exist.');
      if (req.method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method ?? ''}'.`);
      send(res, 200, this.page(url));
    } catch (error) {
      // Like the API, a bad filter or $skip says only "Invalid OData parameters supplied"; why is logged nowhere.
      if (error instanceof FilterError) send(res, 400, { Error: { Code: 'BadRequest', Message: 'Invalid OData parameters supplied' } });
      else if (error instanceof ApiError) send(res, error.status, { Error: { Code: error.code, Message: error.message } });
      else send(res, 500, { Error: { Code: 'InternalServerError', Message: error instanceof Error ? error.message : String(error) } });
    }
  }

  private page(url: URL): Record<string, unknown> {
    const filter = url.searchParams.get('$filter');
    const keep = filter === null ? () => true : parseFilter(filter);
    const skipText = url.searchParams.get('$skip') ?? '0';
    if (!/^\d+$/.test(skipText)) throw new FilterError('$skip is not a non-negative integer');
    const skip = Number(skipText);
    const matching = this.items.filter(keep);
    const items = matching.slice(skip, skip + PAGE_SIZE);
    const more = skip + PAGE_SIZE < matching.length;
    return {
      BillingCurrency: 'USD',
      CustomerEntityId: 'Default',
      CustomerEntityType: 'Retail',
      Items: items,
      NextPageLink: more ? this.nextPageLink(url, skip + PAGE_SIZE) : null,
      Count: items.length,
    };
  }

  /** The same query one page on, as an absolute URL on this server (Azure's names its host and port). */
  private nextPageLink(url: URL, skip: number): string {
    const params: string[] = [];
    for (const [name, value] of url.searchParams) if (name !== '$skip') params.push(`${name}=${encodeURIComponent(value)}`);
    params.push(`$skip=${skip}`);
    return `${this.url}/api/retail/prices?${params.join('&')}`;
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
