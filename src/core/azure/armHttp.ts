import { abortableSleep, isTransientFetchError } from '../network/fetchRetry';
import { ArmApiError, armErrorOf, parseArmError } from './armError';

/** What authorizes an ARM request: a bearer token for the cloud's resource manager (azureAuth.ts, or a fake in tests). */
export interface ArmTokenSource {
  token(signal?: AbortSignal): Promise<string>;
}

export interface ArmRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path under the resource manager (`subscriptions/…`), or an absolute URL ARM gave (an operation, a next page). */
  readonly path: string;
  /** Required by ARM on every call; absent only for absolute URLs ARM gave, which carry it. */
  readonly apiVersion?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly json?: unknown;
  readonly signal?: AbortSignal;
  /** Statuses that are answers rather than errors (HEAD's 404, a DELETE's 204). */
  readonly accept?: readonly number[];
}

export interface ArmResponse<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface ArmHttpOptions {
  readonly endpoint: string;
  readonly credential: ArmTokenSource;
  readonly fetch?: typeof fetch;
  /** Attempts per call, the first included (default 5): ARM's 429s and 5xx are retried after Retry-After. */
  readonly maxAttempts?: number;
  /** Wait between polls of a long-running operation when ARM names none (default 2 s). */
  readonly pollIntervalMs?: number;
  /** Give up on a long-running operation after this long (default 30 min: a Spot VM can take minutes). */
  readonly operationTimeoutMs?: number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly userAgent?: string;
}

const RETRIED_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MAX_RETRY_WAIT_MS = 60_000;

/**
 * JSON over HTTPS to Azure Resource Manager: the bearer token, `api-version`, ARM's error shape,
 * retries after `Retry-After` (429 throttling, 5xx), and long-running operations followed through
 * `Azure-AsyncOperation` or `Location` until they end. ARM's PUTs and DELETEs are idempotent, so
 * every call may be retried.
 */
export class ArmHttp {
  constructor(private readonly options: ArmHttpOptions) {}

  get endpoint(): string {
    return this.options.endpoint;
  }

  async call<T>(request: ArmRequest): Promise<ArmResponse<T>> {
    const url = this.urlOf(request);
    const attempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      request.signal?.throwIfAborted();
      let response: Response;
      try {
        response = await this.once(url, request);
      } catch (error) {
        if (attempt >= attempts || request.signal?.aborted || !isTransientFetchError(error)) throw error;
        await this.wait(retryDelayMs(null, attempt), request.signal);
        continue;
      }
      const text = request.method === 'HEAD' ? '' : await response.text();
      if (response.ok || request.accept?.includes(response.status)) {
        return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T, headers: response.headers };
      }
      const error = parseArmError(response.status, text, { method: request.method, url });
      if (attempt >= attempts || !RETRIED_STATUS.has(response.status)) throw error;
      await this.wait(retryDelayMs(response.headers.get('retry-after'), attempt), request.signal);
    }
  }

  /**
   * A PUT, POST or DELETE that may run long: its response, then its operation followed to the end.
   * Resolves with the final resource (a GET of `finalPath` when given) or undefined; a failed or
   * cancelled operation throws its ArmApiError.
   */
  async longRunning<T>(request: ArmRequest, finalPath?: { path: string; apiVersion: string }): Promise<T | undefined> {
    const first = await this.call<T>(request);
    const asyncOperation = first.headers.get('azure-asyncoperation');
    const location = first.headers.get('location');
    if (first.status === 200 && !asyncOperation) return first.body;
    if (asyncOperation) {
      await this.followAsyncOperation(asyncOperation, first.headers.get('retry-after'), request);
    } else if (location && first.status === 202) {
      const final = await this.followLocation<T>(location, first.headers.get('retry-after'), request);
      if (!finalPath) return final;
    } else if (!finalPath) {
      return first.body;
    }
    if (!finalPath) return request.method === 'DELETE' ? undefined : first.body;
    return (await this.call<T>({ method: 'GET', path: finalPath.path, apiVersion: finalPath.apiVersion, ...(request.signal ? { signal: request.signal } : {}) })).body;
  }

  private async followAsyncOperation(url: string, retryAfter: string | null, request: ArmRequest): Promise<void> {
    const deadline = Date.now() + (this.options.operationTimeoutMs ?? 30 * 60_000);
    let wait = retryAfter;
    for (;;) {
      await this.wait(pollDelayMs(wait, this.options.pollIntervalMs), request.signal);
      const poll = await this.call<{ status?: string; error?: { code?: string; message?: string; details?: [] } }>({ method: 'GET', path: url, ...(request.signal ? { signal: request.signal } : {}) });
      const status = poll.body?.status ?? '';
      if (status === 'Succeeded') return;
      if (status === 'Failed' || status === 'Canceled') {
        throw armErrorOf(200, poll.body?.error ?? { code: `Operation${status}`, message: `the operation ended ${status}` }, '', { method: request.method, url: this.urlOf(request) });
      }
      if (Date.now() > deadline) throw new ArmApiError(0, 'OperationTimedOut', `${request.method} ${request.path} still ${status || 'running'} after ${Math.round((this.options.operationTimeoutMs ?? 30 * 60_000) / 1000)} s`);
      wait = poll.headers.get('retry-after');
    }
  }

  private async followLocation<T>(url: string, retryAfter: string | null, request: ArmRequest): Promise<T | undefined> {
    const deadline = Date.now() + (this.options.operationTimeoutMs ?? 30 * 60_000);
    let wait = retryAfter;
    for (;;) {
      await this.wait(pollDelayMs(wait, this.options.pollIntervalMs), request.signal);
      const poll = await this.call<T>({ method: 'GET', path: url, accept: [202], ...(request.signal ? { signal: request.signal } : {}) });
      if (poll.status !== 202) return poll.body;
      if (Date.now() > deadline) throw new ArmApiError(0, 'OperationTimedOut', `${request.method} ${request.path} still running`);
      wait = poll.headers.get('retry-after');
    }
  }

  private urlOf(request: ArmRequest): string {
    const absolute = /^https?:\/\//.test(request.path);
    const url = new URL(absolute ? request.path : `${this.options.endpoint}${request.path.replace(/^\/+/, '')}`);
    if (request.apiVersion) url.searchParams.set('api-version', request.apiVersion);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    return url.toString();
  }

  private async once(url: string, request: ArmRequest): Promise<Response> {
    // Only ever send the token to the resource manager it is for (a Location could name another host).
    if (new URL(url).origin !== new URL(this.options.endpoint).origin) throw new Error(`refusing to send an Azure token to ${new URL(url).origin}, which is not the resource manager ${new URL(this.options.endpoint).origin}`);
    const headers = new Headers({ authorization: `Bearer ${await this.options.credential.token(request.signal)}`, accept: 'application/json' });
    if (this.options.userAgent) headers.set('user-agent', this.options.userAgent);
    let body: string | undefined;
    if (request.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(request.json);
    }
    const timeout = AbortSignal.timeout(60_000);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    return (this.options.fetch ?? fetch)(url, { method: request.method, headers, ...(body !== undefined ? { body } : {}), signal });
  }

  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return (this.options.sleep ?? abortableSleep)(ms, signal);
  }
}

/** Retry-After in seconds (ARM's form) or an HTTP date; else a doubling backoff from 1 s. */
function retryDelayMs(retryAfter: string | null, attempt: number): number {
  const fromHeader = parseRetryAfter(retryAfter);
  return Math.min(MAX_RETRY_WAIT_MS, fromHeader ?? 1000 * 2 ** (attempt - 1));
}

function pollDelayMs(retryAfter: string | null, fallbackMs = 2000): number {
  return Math.min(MAX_RETRY_WAIT_MS, parseRetryAfter(retryAfter) ?? fallbackMs);
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
