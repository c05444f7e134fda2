import { abortableSleep, isTransientFetchError } from '../network/fetchRetry';
import { parseGcpError } from './gcpApiError';
import { isNoCapacity, isQuota } from './gceErrors';

/** What authorizes a request: GcpAuth, or a fake in tests. */
export interface Authorizer {
  requestHeaders(url: string): Promise<Headers>;
}

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface GcpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute URL (an endpoint root joined with a path). */
  readonly url: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** A JSON body; or `raw` for media uploads. */
  readonly json?: unknown;
  readonly raw?: { readonly body: Uint8Array | string; readonly contentType: string };
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Whether a 429/5xx or a dropped connection may be retried. GETs are; a create or delete only
   * when it carries a `requestId` (Compute then runs it at most once) or a precondition.
   */
  readonly retry: boolean;
  readonly signal?: AbortSignal;
  /** Per attempt (default 60 s); Compute's `wait` holds a call up to 2 minutes. */
  readonly timeoutMs?: number;
}

export interface GcpHttpOptions {
  readonly auth: Authorizer;
  readonly fetch?: typeof fetch;
  /** Attempts per call, the first included (default 4). */
  readonly maxAttempts?: number;
  /** First backoff (default 500 ms); doubles per attempt, with full jitter, capped at 16 s. */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly userAgent?: string;
}

const RETRIED_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);
const MAX_DELAY_MS = 16_000;

/** JSON over HTTP to Google APIs: authorization, the query, Google's error shape, retries with backoff. */
export class GcpHttp {
  constructor(private readonly options: GcpHttpOptions) {}

  async json<T>(request: GcpRequest): Promise<T> {
    const response = await this.send(request);
    const text = await response.text();
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  /** The response of a call that succeeded (2xx); any other answer throws a GcpApiError. */
  async send(request: GcpRequest): Promise<Response> {
    const url = withQuery(request.url, request.query);
    const attempts = request.retry ? (this.options.maxAttempts ?? 4) : 1;
    for (let attempt = 1; ; attempt++) {
      request.signal?.throwIfAborted();
      let response: Response;
      try {
        response = await this.once(url, request);
      } catch (error) {
        if (attempt >= attempts || request.signal?.aborted || !isTransientFetchError(error)) throw error;
        await this.backoff(attempt, undefined, request.signal);
        continue;
      }
      if (response.ok) return response;
      const error = parseGcpError(response.status, await response.text(), { method: request.method, url });
      // Capacity and quota answers (503 ZONE_RESOURCE_POOL_EXHAUSTED, 429/403 quota) do not change on a retry;
      // a 403 rate limit (Compute's "Rate Limit Exceeded") does.
      const retryable = RETRIED_STATUS.has(response.status) || (response.status === 403 && error.reasons.some((reason) => RATE_LIMIT_REASONS.has(reason)));
      if (attempt >= attempts || !retryable || isNoCapacity(error) || isQuota(error)) throw error;
      await this.backoff(attempt, response.headers.get('retry-after'), request.signal);
    }
  }

  private async once(url: string, request: GcpRequest): Promise<Response> {
    const headers = new Headers(request.headers);
    (await this.options.auth.requestHeaders(url)).forEach((value, name) => headers.set(name, value));
    if (this.options.userAgent) headers.set('user-agent', this.options.userAgent);
    let body: BodyInit | undefined;
    if (request.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(request.json);
    } else if (request.raw) {
      headers.set('content-type', request.raw.contentType);
      // Node's fetch sends any Uint8Array; the DOM typings want one over an ArrayBuffer.
      body = request.raw.body as BodyInit;
    }
    const timeout = AbortSignal.timeout(request.timeoutMs ?? 60_000);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    return (this.options.fetch ?? fetch)(url, { method: request.method, headers, ...(body !== undefined ? { body } : {}), signal });
  }

  private async backoff(attempt: number, retryAfter: string | null | undefined, signal: AbortSignal | undefined): Promise<void> {
    const base = this.options.baseDelayMs ?? 500;
    const fromHeader = retryAfter && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : undefined;
    const jittered = Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1)) * (this.options.random ?? Math.random)();
    await (this.options.sleep ?? abortableSleep)(Math.min(MAX_DELAY_MS, fromHeader ?? jittered), signal);
  }
}

/** `url?k=v&k=v2`; undefined values are left out, arrays repeat the key (Google's style). */
export function withQuery(url: string, query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${text}`;
}

/** Percent-encodes one path segment (an object name keeps no `/` unescaped, as the JSON API wants). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
