/**
 * The Cloud Billing Catalog API (cloudbilling.googleapis.com) for Compute Engine's SKUs:
 * `GET /v1/services` and `GET /v1/services/6F81-5844-456A/skus?pageSize=&pageToken=`, with OAuth.
 */
import * as http from 'node:http';
import { closeServer, listen } from '../../http/serverUtil';
import type { AccessTokens } from '../auth/accessTokens';
import { GoogleApiError } from '../http/googleError';
import { requireBearer, sendError, sendJson } from '../http/googleHttp';
import { COMPUTE_SERVICE_ID, computeSkus } from './computeSkus';

/** The API's largest page. */
const MAX_PAGE_SIZE = 5000;

export class BillingCatalogServer {
  private server?: http.Server;
  private readonly skus = computeSkus(new Date().toISOString());

  constructor(private readonly tokens: AccessTokens) {}

  async start(port = 0): Promise<{ url: string }> {
    const server = http.createServer((req, res) => this.handle(req, res));
    const { url } = await listen(server, port, '127.0.0.1');
    this.server = server;
    return { url: `${url}/` };
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return closeServer(server);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    try {
      const url = new URL(req.url ?? '/', 'http://cloudbilling');
      requireBearer(req, this.tokens);
      if (req.method === 'GET' && url.pathname === '/v1/services') {
        sendJson(res, 200, { services: [{ name: `services/${COMPUTE_SERVICE_ID}`, serviceId: COMPUTE_SERVICE_ID, displayName: 'Compute Engine', businessEntityName: 'businessEntities/GCP' }], nextPageToken: '' });
        return;
      }
      const match = /^\/v1\/services\/([^/]+)\/skus$/.exec(url.pathname);
      if (req.method !== 'GET' || !match) {
        throw new GoogleApiError(404, `Method not found: ${req.method ?? ''} ${url.pathname}`, 'notFound', { status: 'NOT_FOUND' });
      }
      if (match[1] !== COMPUTE_SERVICE_ID) {
        throw new GoogleApiError(404, `Service ${match[1]} is not in the sandbox's catalog (only Compute Engine, ${COMPUTE_SERVICE_ID}).`, 'notFound', { status: 'NOT_FOUND' });
      }
      const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Number(url.searchParams.get('pageSize') ?? MAX_PAGE_SIZE) || MAX_PAGE_SIZE));
      const token = url.searchParams.get('pageToken');
      const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
      if (!Number.isInteger(offset) || offset < 0) {
        throw new GoogleApiError(400, 'Invalid page token.', 'badRequest', { status: 'INVALID_ARGUMENT' });
      }
      const next = offset + pageSize;
      sendJson(res, 200, { skus: this.skus.slice(offset, next), nextPageToken: next < this.skus.length ? Buffer.from(String(next)).toString('base64url') : '' });
    } catch (error) {
      sendError(res, error);
    }
  }
}
