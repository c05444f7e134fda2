/** One entry of Google's `error.errors[]` (and of an Operation's `error.errors[]`). */
export interface GoogleErrorItem {
  readonly reason?: string;
  readonly code?: string;
  readonly message?: string;
  readonly domain?: string;
  readonly location?: string;
}

/**
 * A Google API's error answer, `{"error":{"code":403,"message":"...","status":"PERMISSION_DENIED",
 * "errors":[{"reason":"quotaExceeded",...}],"details":[...]}}`, or an HTTP failure without that body.
 */
export class GcpApiError extends Error {
  constructor(
    readonly httpStatus: number,
    message: string,
    readonly errors: readonly GoogleErrorItem[],
    /** `error.status` (google.rpc.Code name), e.g. PERMISSION_DENIED. */
    readonly status?: string,
    /** `error.details`, kept for a classifier (ErrorInfo, QuotaFailure, ...). */
    readonly details: readonly unknown[] = [],
    readonly method?: string,
    readonly url?: string,
  ) {
    super(message);
    this.name = 'GcpApiError';
  }

  get reasons(): string[] {
    return this.errors.map((item) => item.reason ?? item.code ?? '').filter((reason) => reason !== '');
  }
}

/** Parses an error answer; a body that is not Google's JSON error keeps its first 300 characters. */
export function parseGcpError(httpStatus: number, bodyText: string, request?: { method: string; url: string }): GcpApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: unknown } | undefined)?.error;
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; message?: unknown; status?: unknown; errors?: unknown; details?: unknown };
    const errors = Array.isArray(e.errors) ? (e.errors as GoogleErrorItem[]) : [];
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : `HTTP ${httpStatus}`;
    return new GcpApiError(httpStatus, message, errors, typeof e.status === 'string' ? e.status : undefined, Array.isArray(e.details) ? e.details : [], request?.method, request?.url);
  }
  // OAuth-style `{"error":"invalid_grant","error_description":...}` or an HTML page from a proxy.
  const text = bodyText.trim().slice(0, 300);
  return new GcpApiError(httpStatus, text ? `HTTP ${httpStatus}: ${text}` : `HTTP ${httpStatus}`, [], undefined, [], request?.method, request?.url);
}
