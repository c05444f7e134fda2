import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import type { EventSink } from '../contract';
import { ACCOUNT_ID } from '../ec2/actions/common';
import { closeServer } from '../http/serverUtil';

export interface S3SandboxOptions {
  readonly directory: string;
  readonly events: EventSink;
  readonly buckets?: readonly string[];
}

const OWNER_HEADERS = ['x-amz-expected-bucket-owner', 'x-amz-source-expected-bucket-owner'] as const;

/**
 * What S3 answers a request whose expected bucket owner is not the bucket's account: 400 for a
 * value that is no account id, 403 for another account (all the sandbox's buckets are ACCOUNT_ID's).
 */
export function bucketOwnerRefusal(headers: http.IncomingHttpHeaders): { status: number; code: string; message: string } | undefined {
  for (const name of OWNER_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    if (!/^\d{12}$/.test(text)) {
      return { status: 400, code: 'InvalidBucketOwnerAWSAccountID', message: 'The value of the expected bucket owner parameter must be an AWS Account ID... [' + text.replace(/[<>&]/g, '') + ']' };
    }
    if (text !== ACCOUNT_ID) {
      return { status: 403, code: 'AccessDenied', message: 'Access Denied' };
    }
  }
  return undefined;
}

/**
 * S3 for the sandbox: s3rver (a well-kept S3 emulator on disk) behind a thin proxy that can answer
 * the next N requests with a 5xx, since s3rver has no fault injection of its own, and that checks
 * x-amz-expected-bucket-owner as S3 does (s3rver ignores it).
 */
export class S3Sandbox {
  private readonly backend: S3rver;
  private proxy: http.Server | undefined;
  private backendPort: number | undefined;
  private failuresLeft = 0;
  private failureStatus = 503;
  private readonly owners = new Map<string, number>();

  constructor(private readonly options: S3SandboxOptions) {
    this.backend = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: options.directory,
      configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
    });
  }

  async start(port = 0): Promise<{ url: string }> {
    // A retry on another port (the preferred one was taken) reuses the backend already running.
    this.backendPort ??= (await this.backend.run()).port;
    const backendPort = this.backendPort;
    const proxy = http.createServer((request, response) => this.forward(request, response, backendPort));
    await new Promise<void>((resolve, reject) => {
      proxy.once('error', reject);
      proxy.listen(port, '127.0.0.1', resolve);
    });
    this.proxy = proxy;
    return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` };
  }

  /** The next `count` requests fail with `status` (500 or 503), the way S3 sheds load. */
  failNext(count: number, status = 503): void {
    this.failuresLeft = Math.max(0, Math.floor(count));
    this.failureStatus = status === 500 ? 500 : 503;
    this.options.events.record('s3-fault', { count: this.failuresLeft, status: this.failureStatus });
  }

  /** Requests seen since the last reset, by their x-amz-expected-bucket-owner ('' for none): tests check who sent it. */
  expectedOwnersSeen(reset = false): Record<string, number> {
    const seen = Object.fromEntries(this.owners);
    if (reset) this.owners.clear();
    return seen;
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse, backendPort: number): void {
    const owner = request.headers['x-amz-expected-bucket-owner'];
    const ownerKey = typeof owner === 'string' ? owner : '';
    this.owners.set(ownerKey, (this.owners.get(ownerKey) ?? 0) + 1);
    const refusal = bucketOwnerRefusal(request.headers);
    if (refusal) {
      request.resume();
      this.options.events.record('s3-owner-refused', { method: request.method, path: request.url, status: refusal.status, code: refusal.code });
      const body = request.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message><RequestId>SANDBOXOWNER</RequestId></Error>`;
      response.writeHead(refusal.status, { 'content-type': 'application/xml', 'x-amz-request-id': 'SANDBOXOWNER' });
      response.end(body);
      return;
    }
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      const code = this.failureStatus === 500 ? 'InternalError' : 'SlowDown';
      const message = this.failureStatus === 500 ? 'We encountered an internal error. Please try again.' : 'Please reduce your request rate.';
      request.resume();
      response.writeHead(this.failureStatus, { 'content-type': 'application/xml', 'x-amz-request-id': `SANDBOXFAULT${this.failuresLeft}` });
      response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>SANDBOXFAULT</RequestId></Error>`);
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: backendPort, method: request.method, path: request.url, headers: request.headers },
      (backendResponse) => {
        response.writeHead(backendResponse.statusCode ?? 502, backendResponse.headers);
        backendResponse.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/xml' });
      }
      response.end(`<Error><Code>InternalError</Code><Message>${error.message}</Message></Error>`);
    });
    request.pipe(upstream);
  }

  async stop(): Promise<void> {
    const proxy = this.proxy;
    this.proxy = undefined;
    await closeServer(proxy);
    if (this.backendPort !== undefined) {
      await this.backend.close().catch(() => undefined);
      this.backendPort = undefined;
    }
  }
}
