/**
 * One Azure box's Instance Metadata Service, as Azure serves it at 169.254.169.254: every request
 * needs `Metadata: true` and a supported `api-version`, a proxied request (X-Forwarded-For) is
 * refused, and three APIs are answered: /metadata/instance, the managed identity's tokens, and
 * Scheduled Events (GET the document, POST StartRequests to let events start early). The box
 * finds it through AZURE_POD_IDENTITY_AUTHORITY_HOST, which Azure's identity libraries honour.
 */
import * as http from 'http';
import { closeServer, listenExclusive, readBody } from '../http/serverUtil';
import type { AzureMetadataView, BoxLifecycleListener, MetadataView } from '../contract';
import { azureInstanceDocument, walkInstance, type AzureInstanceIdentity, type InstanceNode } from './azureInstanceDocument';

export interface AzureImdsOptions {
  /**
   * How long the first Scheduled Events call of this box waits: on Azure it turns the service on
   * and "may take up to two minutes"; later calls answer at once.
   */
  readonly scheduledEventsFirstCallDelayMs: number;
}

type Reply = { status: number; body: string; contentType?: string };

/** The versions each API accepts; newest last. A request with another version gets 400 with the newest three. */
const INSTANCE_VERSIONS = [
  '2017-03-01', '2017-04-02', '2017-08-01', '2017-10-01', '2017-12-01', '2018-02-01', '2018-04-02', '2018-10-01', '2019-02-01', '2019-03-11',
  '2019-04-30', '2019-06-01', '2019-06-04', '2019-08-01', '2019-08-15', '2019-11-01', '2020-06-01', '2020-07-15', '2020-09-01', '2020-10-01',
  '2020-12-01', '2021-01-01', '2021-02-01', '2021-03-01', '2021-05-01', '2021-10-01', '2021-11-01', '2021-11-15', '2021-12-13', '2023-07-01',
];
const SCHEDULED_EVENTS_VERSIONS = ['2017-03-01', '2017-08-01', '2017-11-01', '2019-01-01', '2019-08-01', '2020-07-01'];
const IDENTITY_VERSIONS = ['2018-02-01', '2019-08-01'];

const JSON_TYPE = 'application/json; charset=utf-8';
const MAX_BODY_BYTES = 64 * 1024;

export class AzureImdsServer {
  private readonly server: http.Server;
  /** Resolves once Scheduled Events is on for this box (the first call's wait is shared by calls made meanwhile). */
  private scheduledEventsOn: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly identity: AzureInstanceIdentity,
    private readonly metadata: () => MetadataView,
    private readonly listener: BoxLifecycleListener,
    private readonly options: AzureImdsOptions,
  ) {
    this.server = http.createServer((req, res) => void this.respond(req, res));
    this.server.keepAliveTimeout = 1000;
  }

  listen(ip: string, port: number): Promise<number> {
    return listenExclusive(this.server, ip, port);
  }

  close(): Promise<void> {
    this.closed = true;
    return closeServer(this.server);
  }

  private async respond(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.handle(req);
    } catch (err) {
      reply = json(500, { error: `Internal server error: ${(err as Error).message}` });
    }
    if (res.destroyed) {
      return;
    }
    res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? JSON_TYPE, Server: 'Microsoft-IIS/10.0' });
    res.end(reply.body);
  }

  private async handle(req: http.IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://169.254.169.254');
    const path = url.pathname.replace(/\/{2,}/g, '/').replace(/\/$/, '');
    const isIdentity = path === '/metadata/identity/oauth2/token';
    // The token endpoint speaks OAuth's error shape; the others IMDS's own.
    const badRequest = (message: string): Reply => (isIdentity ? json(400, { error: 'invalid_request', error_description: message }) : json(400, { error: `Bad request. ${message}` }));
    if (req.headers['x-forwarded-for'] !== undefined) {
      req.resume();
      return badRequest('Request contains X-Forwarded-For header');
    }
    if (String(req.headers.metadata).toLowerCase() !== 'true') {
      req.resume();
      return badRequest('Required metadata header not specified');
    }
    if (path === '/metadata/versions') {
      // The one path without api-version: how a client finds the versions this IMDS knows.
      req.resume();
      return json(200, { apiVersions: INSTANCE_VERSIONS });
    }
    const versions = isIdentity ? IDENTITY_VERSIONS : path === '/metadata/scheduledevents' ? SCHEDULED_EVENTS_VERSIONS : INSTANCE_VERSIONS;
    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion === null || !versions.includes(apiVersion)) {
      req.resume();
      const problem = apiVersion === null ? 'api-version was not specified in the request' : 'api-version is invalid or was not specified in the request';
      return json(400, { error: `Bad request. ${problem}. For more information refer to aka.ms/azureimds`, 'newest-versions': versions.slice(-3).reverse() });
    }
    if (path === '/metadata/scheduledevents') {
      return this.scheduledEvents(req);
    }
    req.resume();
    if (req.method !== 'GET') {
      return json(405, { error: 'Method not allowed' });
    }
    if (isIdentity) {
      return this.token(url.searchParams);
    }
    if (path === '/metadata/instance' || path.startsWith('/metadata/instance/')) {
      return this.instance(path.split('/').slice(3), url.searchParams.get('format'));
    }
    return json(404, { error: 'Not found' });
  }

  private view(): AzureMetadataView {
    const view = this.metadata().azure;
    if (!view) {
      throw new Error('the emulator gave no Azure metadata for this box');
    }
    return view;
  }

  private instance(segments: readonly string[], format: string | null): Reply {
    const node = walkInstance(azureInstanceDocument(this.identity), segments);
    if (node === undefined) {
      return json(404, { error: 'Not found' });
    }
    if (format === 'text') {
      if (typeof node === 'object') {
        return json(400, { error: 'Bad request. Query parameter format=text is only supported for leaf nodes. For more information refer to aka.ms/azureimds' });
      }
      return { status: 200, body: String(node), contentType: 'text/plain; charset=utf-8' };
    }
    if (format !== null && format !== 'json') {
      return json(400, { error: `Bad request. Query parameter format=${format} is invalid. For more information refer to aka.ms/azureimds` });
    }
    return json(200, node);
  }

  private token(query: URLSearchParams): Reply {
    const resource = query.get('resource');
    if (!resource) {
      return json(400, { error: 'invalid_request', error_description: 'Required audience parameter not specified' });
    }
    const token = this.identity.spec.azure?.identity ? this.view().managedIdentityToken?.(resource) : undefined;
    if (!token) {
      return json(400, { error: 'invalid_request', error_description: 'Identity not found' });
    }
    return json(200, token);
  }

  private async scheduledEvents(req: http.IncomingMessage): Promise<Reply> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      req.resume();
      return json(405, { error: 'Method not allowed' });
    }
    const body = req.method === 'POST' ? readBody(req, MAX_BODY_BYTES, () => new Error('request body too large')) : (req.resume(), Promise.resolve(''));
    await this.turnScheduledEventsOn();
    if (this.closed) {
      return json(503, { error: 'Service unavailable' });
    }
    if (req.method === 'GET') {
      return json(200, this.view().scheduledEvents);
    }
    let text: string;
    try {
      text = await body;
    } catch {
      return json(400, { error: 'Bad request. Request body is too large' });
    }
    const ids = startRequestIds(text);
    if (!ids) {
      return json(400, { error: 'Bad request. Request body is not a valid StartRequests document' });
    }
    const known = new Set(this.view().scheduledEvents.Events.map((event) => event.EventId));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      return json(400, { error: `Bad request. EventId ${unknown.join(', ')} is not a pending event of this VM` });
    }
    this.listener.onScheduledEventsStarted?.(this.identity.spec.instanceId, ids);
    return { status: 200, body: '', contentType: JSON_TYPE };
  }

  private turnScheduledEventsOn(): Promise<void> {
    // unref: a box stopped during the wait must not hold the sandbox process open (the waiting request's socket does meanwhile).
    this.scheduledEventsOn ??= new Promise((resolve) => setTimeout(resolve, Math.max(0, this.options.scheduledEventsFirstCallDelayMs)).unref());
    return this.scheduledEventsOn;
  }
}

/** The EventIds of `{"StartRequests":[{"EventId":"..."}, ...]}`; undefined when the body is not that. */
export function startRequestIds(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const requests = (parsed as { StartRequests?: unknown } | null)?.StartRequests;
  if (!Array.isArray(requests) || requests.length === 0) {
    return undefined;
  }
  const ids = requests.map((request) => (request as { EventId?: unknown } | null)?.EventId);
  return ids.every((id): id is string => typeof id === 'string' && id.length > 0) ? ids : undefined;
}

function json(status: number, value: InstanceNode | object): Reply {
  return { status, body: JSON.stringify(value), contentType: JSON_TYPE };
}
