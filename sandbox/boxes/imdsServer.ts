/**
 * One box's instance metadata service, IMDSv2 as EC2 serves it at 169.254.169.254. Each box has
 * its own server (its own address) so that "which instance is asking" never needs guessing.
 */
import { randomBytes } from 'crypto';
import * as http from 'http';
import { closeServer, listenExclusive } from '../http/serverUtil';
import { BoxSpec, MetadataView } from '../contract';
import { ACCOUNT_ID } from '../ec2/actions/common';

export interface ImdsIdentity {
  readonly spec: BoxSpec;
  readonly ip: string;
  readonly hostname: string;
  readonly userData?: Buffer;
  readonly launchTime: string;
}

const MAX_TTL_SECONDS = 21600;
const TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const TOKEN_HEADER = 'x-aws-ec2-metadata-token';

type Reply = { status: number; body: string; headers?: Record<string, string> };

export class ImdsServer {
  private readonly server: http.Server;
  private readonly tokens = new Map<string, number>();

  constructor(
    private readonly identity: ImdsIdentity,
    private readonly metadata: () => MetadataView,
    private readonly now: () => number = Date.now,
  ) {
    this.server = http.createServer((req, res) => {
      let reply: Reply;
      try {
        reply = this.handle(req);
      } catch (err) {
        reply = { status: 500, body: `Internal error: ${(err as Error).message}` };
      }
      res.writeHead(reply.status, { 'Content-Type': 'text/plain', Server: 'EC2ws', ...reply.headers });
      res.end(req.method === 'HEAD' ? undefined : reply.body);
      req.resume();
    });
    // Metadata clients keep connections alive; they must not keep the sandbox from stopping.
    this.server.keepAliveTimeout = 1000;
  }

  listen(ip: string, port: number): Promise<number> {
    return listenExclusive(this.server, ip, port);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private handle(req: http.IncomingMessage): Reply {
    // The JS SDK joins the endpoint and '/latest/...' into '//latest/...'.
    const path = (req.url ?? '/').split('?')[0].replace(/\/{2,}/g, '/');
    if (path === '/latest/api/token') {
      return req.method === 'PUT' ? this.issueToken(req) : { status: 405, body: 'Method Not Allowed' };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 405, body: 'Method Not Allowed' };
    }
    const denied = this.checkToken(req);
    if (denied) {
      return denied;
    }
    const body = this.lookup(path);
    return body === undefined ? notFound() : { status: 200, body };
  }

  private issueToken(req: http.IncomingMessage): Reply {
    // A forwarded PUT means the request came through a proxy: EC2 refuses to hand it a token.
    if (req.headers['x-forwarded-for'] !== undefined) {
      return { status: 403, body: 'Forbidden' };
    }
    const raw = req.headers[TTL_HEADER];
    const ttl = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    if (!(ttl >= 1 && ttl <= MAX_TTL_SECONDS)) {
      return { status: 400, body: 'Bad Request' };
    }
    this.pruneTokens();
    const token = randomBytes(42).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    this.tokens.set(token, this.now() + ttl * 1000);
    return { status: 200, body: token, headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(ttl) } };
  }

  private checkToken(req: http.IncomingMessage): Reply | undefined {
    const token = req.headers[TOKEN_HEADER];
    if (token === undefined) {
      return this.identity.spec.httpTokens === 'required' ? unauthorized() : undefined;
    }
    // As on EC2, a token that is sent must be valid even when tokens are optional.
    const expires = typeof token === 'string' ? this.tokens.get(token) : undefined;
    return expires !== undefined && expires > this.now() ? undefined : unauthorized();
  }

  private pruneTokens(): void {
    const now = this.now();
    for (const [token, expires] of this.tokens) {
      if (expires <= now) {
        this.tokens.delete(token);
      }
    }
  }

  private lookup(path: string): string | undefined {
    const { spec, ip, hostname, userData, launchTime } = this.identity;
    const view = this.metadata();
    if (path === '/') {
      return 'latest';
    }
    if (path === '/latest' || path === '/latest/') {
      return ['dynamic', 'meta-data', ...(userData ? ['user-data'] : [])].join('\n');
    }
    if (path === '/latest/user-data') {
      return userData ? userData.toString('utf8') : undefined;
    }
    if (path === '/latest/dynamic/instance-identity/document') {
      return JSON.stringify(
        {
          accountId: ACCOUNT_ID,
          architecture: 'x86_64',
          availabilityZone: spec.availabilityZone,
          billingProducts: null,
          devpayProductCodes: null,
          marketplaceProductCodes: null,
          imageId: spec.amiId,
          instanceId: spec.instanceId,
          instanceType: spec.instanceType,
          kernelId: null,
          pendingTime: launchTime,
          privateIp: ip,
          ramdiskId: null,
          region: spec.region,
          version: '2017-09-30',
        },
        null,
        2,
      );
    }
    const prefix = '/latest/meta-data';
    if (!path.startsWith(prefix)) {
      return undefined;
    }
    const leaf = path.slice(prefix.length).replace(/^\//, '');
    const action = view.instanceAction;
    const keyName = 'sandbox';
    const leaves: Record<string, string | undefined> = {
      'ami-id': spec.amiId,
      'hostname': hostname,
      'local-hostname': hostname,
      'instance-id': spec.instanceId,
      'instance-type': spec.instanceType,
      'instance-life-cycle': spec.lifecycle,
      'local-ipv4': ip,
      'public-ipv4': ip,
      'public-hostname': hostname,
      'placement/availability-zone': spec.availabilityZone,
      'placement/region': spec.region,
      'spot/instance-action': action ? JSON.stringify({ action: action.action, time: action.time }) : undefined,
      'spot/termination-time': action ? action.time : undefined,
      'events/recommendations/rebalance': view.rebalanceNoticeTime
        ? JSON.stringify({ noticeTime: view.rebalanceNoticeTime })
        : undefined,
      'public-keys/0/openssh-key': spec.authorizedKey ? spec.authorizedKey.trim() : undefined,
    };
    if (Object.hasOwn(leaves, leaf)) {
      return leaves[leaf];
    }
    // Directory listings, as EC2 shows them: only entries that currently exist, dirs with '/'.
    const dirs: Record<string, string[] | undefined> = {
      '': [
        'ami-id', 'events/', 'hostname', 'instance-id', 'instance-life-cycle', 'instance-type',
        'local-hostname', 'local-ipv4', 'placement/', 'public-hostname', 'public-ipv4',
        ...(spec.authorizedKey ? ['public-keys/'] : []), ...(action ? ['spot/'] : []),
      ],
      'placement': ['availability-zone', 'region'],
      'events': ['recommendations/'],
      'events/recommendations': view.rebalanceNoticeTime ? ['rebalance'] : [],
      'spot': action ? ['instance-action', 'termination-time'] : undefined,
      'public-keys': spec.authorizedKey ? [`0=${keyName}`] : undefined,
      'public-keys/0': spec.authorizedKey ? ['openssh-key'] : undefined,
    };
    const dir = leaf.replace(/\/$/, '');
    const listing = Object.hasOwn(dirs, dir) ? dirs[dir] : undefined;
    return listing ? listing.join('\n') : undefined;
  }
}

function notFound(): Reply {
  return { status: 404, body: 'Not Found' };
}

function unauthorized(): Reply {
  return { status: 401, body: 'Unauthorized' };
}
