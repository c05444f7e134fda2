/**
 * One Compute Engine box's metadata server, as GCE serves it at metadata.google.internal
 * (169.254.169.254): `computeMetadata/v1/...` only with `Metadata-Flavor: Google`, ETags, and
 * `wait_for_change` long polls, which is how a Spot VM's agent hears `instance/preempted` flip.
 * The box finds it through GCE_METADATA_HOST, which Google's client libraries honour.
 */
import { createHash } from 'crypto';
import * as http from 'http';
import { closeServer, listenExclusive } from '../http/serverUtil';
import type { BoxSpec, GceMetadataView, MetadataView } from '../contract';
import { gceMetadataTree, listing, lookUp, recursiveJson, type MetadataTree } from './gceMetadataTree';

export interface GceMetadataIdentity {
  readonly spec: BoxSpec;
  readonly ip: string;
  readonly hostname: string;
}

type Reply = { status: number; body: string; contentType?: string; etag?: string };

const PREFIX = '/computeMetadata/v1';
/** How often a long poll looks again; the view is a function of the emulator's state, not an event source. */
const POLL_INTERVAL_MS = 100;
/** The real server ends an unbounded wait after a while too; clients loop. */
const MAX_WAIT_SECONDS = 3600;

export class GceMetadataServer {
  private readonly server: http.Server;
  private closed = false;

  constructor(
    private readonly identity: GceMetadataIdentity,
    private readonly metadata: () => MetadataView,
  ) {
    this.server = http.createServer((req, res) => {
      req.resume();
      void this.respond(req, res);
    });
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
      reply = await this.handle(req, res);
    } catch (err) {
      reply = { status: 500, body: `Internal error: ${(err as Error).message}` };
    }
    if (res.destroyed) {
      return;
    }
    res.writeHead(reply.status, {
      'Metadata-Flavor': 'Google',
      Server: 'Metadata Server for VM',
      'Content-Type': reply.contentType ?? 'application/text',
      ...(reply.etag ? { ETag: reply.etag } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://metadata.google.internal');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 405, body: 'Method Not Allowed' };
    }
    // As on GCE: a request that went through a proxy, or lacks the header, is refused (SSRF guard).
    if (req.headers['x-forwarded-for'] !== undefined || req.headers['metadata-flavor'] !== 'Google') {
      return { status: 403, body: 'Missing required header "Metadata-Flavor": "Google"\n', contentType: 'text/html; charset=UTF-8' };
    }
    if (url.pathname === '/' || url.pathname === '/computeMetadata/' || url.pathname === '/computeMetadata') {
      return { status: 200, body: url.pathname === '/' ? 'computeMetadata/\n' : 'v1/\n' };
    }
    if (!url.pathname.startsWith(`${PREFIX}/`) && url.pathname !== PREFIX) {
      return notFound();
    }
    const path = url.pathname.slice(PREFIX.length).replace(/\/{2,}/g, '/');
    if (/^\/instance\/service-accounts\/[^/]+\/token$/.test(path)) {
      return this.token(path);
    }
    const render = (): Reply => this.render(path, url.searchParams);
    if (url.searchParams.get('wait_for_change') !== 'true') {
      return render();
    }
    return this.waitForChange(render, url.searchParams, res);
  }

  private view(): GceMetadataView {
    const view = this.metadata().gce;
    if (!view) {
      throw new Error('the emulator gave no Compute Engine metadata for this box');
    }
    return view;
  }

  private render(path: string, query: URLSearchParams): Reply {
    const tree = gceMetadataTree(this.identity.spec, this.identity.ip, this.identity.hostname, this.view());
    const node = lookUp(tree, path);
    if (node === undefined) {
      return notFound();
    }
    const recursive = query.get('recursive') === 'true';
    const alt = query.get('alt') ?? (recursive && typeof node !== 'string' ? 'json' : 'text');
    let body: string;
    let contentType = 'application/text';
    if (alt === 'json') {
      const verbatim = /(^|\/)attributes\/?$/.test(path);
      body = JSON.stringify(typeof node === 'string' ? node : recursive ? recursiveJson(node, verbatim) : Object.keys(node).sort());
      contentType = 'application/json';
    } else if (typeof node === 'string') {
      body = node;
    } else {
      body = recursive ? textRecursive(node) : listing(node);
    }
    return { status: 200, body, contentType, etag: etagOf(body) };
  }

  /**
   * `wait_for_change=true`: answers at once when the value's ETag differs from `last_etag`,
   * otherwise when the value changes or `timeout_sec` passes (then with the unchanged value).
   */
  private async waitForChange(render: () => Reply, query: URLSearchParams, res: http.ServerResponse): Promise<Reply> {
    const first = render();
    if (first.status !== 200) {
      return first;
    }
    const lastEtag = query.get('last_etag');
    if (lastEtag !== null && lastEtag !== first.etag) {
      return first;
    }
    const timeoutParam = query.get('timeout_sec');
    const timeoutSec = timeoutParam !== null && /^\d+$/.test(timeoutParam) ? Math.min(Number(timeoutParam), MAX_WAIT_SECONDS) : MAX_WAIT_SECONDS;
    const deadline = Date.now() + timeoutSec * 1000;
    while (Date.now() < deadline && !this.closed && !res.destroyed) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now()))));
      const now = render();
      if (now.status !== 200 || now.etag !== first.etag) {
        return now;
      }
    }
    if (this.closed) {
      // The box is going away: as when the VM stops, the caller sees the server gone.
      return { status: 503, body: 'Service Unavailable' };
    }
    return render();
  }

  private token(path: string): Reply {
    const view = this.view();
    const account = this.identity.spec.gce?.serviceAccount;
    const name = path.split('/')[3];
    if (!account || !view.accessToken || (name !== 'default' && name !== account.email)) {
      return notFound();
    }
    const expiresIn = Math.max(0, Math.floor((view.accessToken.expiresAtMs - Date.now()) / 1000));
    return {
      status: 200,
      body: JSON.stringify({ access_token: view.accessToken.token, expires_in: expiresIn, token_type: 'Bearer' }),
      contentType: 'application/json',
    };
  }
}

/** `?recursive=true&alt=text`: one `path value` line per leaf, as the server prints it. */
function textRecursive(node: MetadataTree, prefix = ''): string {
  return Object.keys(node)
    .sort()
    .map((name) => {
      const child = node[name];
      return typeof child === 'string' ? `${prefix}${name} ${child}\n` : textRecursive(child, `${prefix}${name}/`);
    })
    .join('');
}

/** A stable tag of the value: the same content always has the same ETag, as clients compare them. */
function etagOf(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

function notFound(): Reply {
  return { status: 404, body: 'Not Found\n', contentType: 'text/html; charset=UTF-8' };
}
