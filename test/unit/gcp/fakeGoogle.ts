import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GcpHttp } from '../../../src/core/gcp/gcpHttp';

export interface RecordedRequest {
  readonly method: string;
  /** Path without the query, as sent (percent-encoding kept). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Answer {
  readonly status?: number;
  /** Sent as JSON unless a string or Buffer. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export type Route = (request: RecordedRequest) => Answer | Promise<Answer> | undefined;

/**
 * A loopback HTTP server answering as a Google API would; records every request. Routes are
 * tried in order; a request no route answers gets Google's 404 error shape.
 */
export class FakeGoogle {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];
  private server?: http.Server;
  url = '';

  route(route: Route): this {
    this.routes.push(route);
    return this;
  }

  /** Answers `method path` (exact path, query ignored) with the answers in turn; the last one repeats. */
  on(method: string, path: string, ...answers: Answer[]): this {
    let next = 0;
    return this.route((request) => {
      if (request.method !== method || request.path !== path) return undefined;
      const answer = answers[Math.min(next, answers.length - 1)];
      next++;
      return answer;
    });
  }

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = request.url ?? '/';
        const question = raw.indexOf('?');
        const recorded: RecordedRequest = {
          method: request.method ?? 'GET',
          path: question >= 0 ? raw.slice(0, question) : raw,
          query: new URLSearchParams(question >= 0 ? raw.slice(question + 1) : ''),
          headers: request.headers,
          body: Buffer.concat(chunks),
        };
        this.requests.push(recorded);
        void this.answer(recorded).then((answer) => {
          const body = answer.body === undefined ? '' : typeof answer.body === 'string' || Buffer.isBuffer(answer.body) ? answer.body : JSON.stringify(answer.body);
          response.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=UTF-8', ...answer.headers });
          response.end(body);
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  /** Requests other than the token endpoint's. */
  apiRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.path !== '/token');
  }

  private async answer(request: RecordedRequest): Promise<Answer> {
    for (const route of this.routes) {
      const answer = await route(request);
      if (answer) return answer;
    }
    return googleError(404, `The resource '${request.path}' was not found`, 'notFound');
  }
}

/** Google's error shape: `{"error":{"code","message","errors":[{"message","domain","reason"}]}}`. */
export function googleError(code: number, message: string, reason: string, extra: Record<string, unknown> = {}): Answer {
  return { status: code, body: { error: { code, message, errors: [{ message, domain: 'global', reason }], ...extra } } };
}

/** A GcpHttp with a fixed token and no waiting between retries; `sleeps` records the backoff. */
export function testHttp(options: { token?: string; maxAttempts?: number } = {}): { http: GcpHttp; sleeps: number[] } {
  const sleeps: number[] = [];
  const http = new GcpHttp({
    auth: { requestHeaders: async () => new Headers({ authorization: `Bearer ${options.token ?? 'test-token'}` }) },
    maxAttempts: options.maxAttempts ?? 4,
    baseDelayMs: 100,
    random: () => 1,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { http, sleeps };
}
