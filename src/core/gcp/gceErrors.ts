import { regionOfZone } from './gceZones';
import { SpotboxError } from '../errors';
import { GcpApiError, type GoogleErrorItem } from './gcpApiError';

/** What a launcher does about a failure: try the next zone or type, stop with a quota, fix the login, ... */
export type GceProblem = 'no-capacity' | 'quota' | 'auth' | 'permission' | 'not-found' | 'network' | 'other';

/** `error.errors[]` of a DONE Operation: items carry `code` (ZONE_RESOURCE_POOL_EXHAUSTED, QUOTA_EXCEEDED, ...). */
export interface OperationErrorItem extends GoogleErrorItem {
  readonly errorDetails?: ReadonlyArray<{ readonly quotaInfo?: QuotaInfo; readonly errorInfo?: { readonly reason?: string; readonly metadatas?: Record<string, string> } }>;
}

export interface QuotaInfo {
  readonly metricName?: string;
  readonly limitName?: string;
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly limit?: number;
}

/** An Operation that ended (status DONE) with `error`; the instance or rule was not made. */
export class GceOperationError extends Error {
  constructor(
    readonly operationName: string,
    readonly operationType: string | undefined,
    readonly items: readonly OperationErrorItem[],
    /** `httpErrorStatusCode` of the operation (503 for no capacity). */
    readonly httpStatus?: number,
  ) {
    super(items.map((item) => `${item.code ?? 'ERROR'}: ${item.message ?? ''}`.trim()).join('; ') || `Operation ${operationName} failed`);
    this.name = 'GceOperationError';
  }
}

/** A SpotboxError with what kind of problem it is, read structurally (`problem`) so that it survives bundling. */
export class GceError extends SpotboxError {
  constructor(
    readonly problem: GceProblem,
    message: string,
    nextStep: string | undefined,
    options: { cause?: unknown; quota?: string; region?: string; zone?: string } = {},
  ) {
    super(message, nextStep, { cause: options.cause });
    this.name = 'GceError';
    this.quota = options.quota;
    this.region = options.region;
    this.zone = options.zone;
  }
  readonly quota?: string;
  readonly region?: string;
  readonly zone?: string;
}

const NO_CAPACITY = new Set(['ZONE_RESOURCE_POOL_EXHAUSTED', 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS', 'RESOURCE_POOL_EXHAUSTED', 'STOCKOUT']);
// rateLimitExceeded (requests per minute) is not here: it passes, and gcpHttp retries it.
const QUOTA = new Set(['QUOTA_EXCEEDED', 'quotaExceeded']);
const AUTH = new Set(['authError', 'required', 'unauthorized', 'UNAUTHENTICATED']);
const PERMISSION = new Set(['forbidden', 'insufficientPermissions', 'accessNotConfigured', 'SERVICE_DISABLED', 'PERMISSION_DENIED', 'IAM_PERMISSION_DENIED']);

/** Reasons (HTTP errors) or codes (operation errors) of a failure. */
function codesOf(error: unknown): string[] {
  if (error instanceof GcpApiError) return [...error.reasons, ...(error.status ? [error.status] : [])];
  if (error instanceof GceOperationError) return error.items.map((item) => item.code ?? item.reason ?? '');
  return [];
}

export function isNoCapacity(error: unknown): boolean {
  return codesOf(error).some((code) => NO_CAPACITY.has(code));
}

export function isQuota(error: unknown): boolean {
  return codesOf(error).some((code) => QUOTA.has(code));
}

/** Which problem an HTTP or operation error is. A 503 with no reason counts as no capacity (dstack #488). */
export function classifyGceError(error: unknown): GceProblem {
  const codes = codesOf(error);
  if (codes.some((code) => NO_CAPACITY.has(code))) return 'no-capacity';
  if (codes.some((code) => QUOTA.has(code))) return 'quota';
  const status = error instanceof GcpApiError ? error.httpStatus : error instanceof GceOperationError ? error.httpStatus : undefined;
  if (status === 401 || codes.some((code) => AUTH.has(code))) return 'auth';
  if (status === 403 || codes.some((code) => PERMISSION.has(code))) return 'permission';
  if (status === 404 || codes.includes('notFound') || codes.includes('RESOURCE_NOT_FOUND')) return 'not-found';
  if (status === 503 && error instanceof GceOperationError) return 'no-capacity';
  if (networkCode(error) !== undefined) return 'network';
  return 'other';
}

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** The socket error under Node's fetch failure ("fetch failed" with the code on its cause), or TimeoutError. */
function networkCode(error: unknown): string | undefined {
  const e = error as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  if (e?.name === 'TimeoutError') return 'timeout';
  const code = e?.cause?.code ?? e?.code;
  return code && NETWORK.has(code) ? code : undefined;
}

/** The quota's name and region, from `quotaInfo` or from Google's message ("Quota 'X' exceeded.  Limit: 0.0 in region r."). */
export function quotaOf(error: unknown): { quota?: string; region?: string; limit?: number } {
  const items: OperationErrorItem[] = error instanceof GceOperationError ? [...error.items] : error instanceof GcpApiError ? [...error.errors] : [];
  for (const item of items) {
    const info = item.errorDetails?.find((detail) => detail.quotaInfo)?.quotaInfo;
    if (info) {
      const fromLimit = info.limitName ? info.limitName.replace(/-per-project.*$/i, '').replace(/-/g, '_').toUpperCase() : undefined;
      const fromMetric = info.metricName ? info.metricName.replace(/^.*\//, '').toUpperCase() : undefined;
      return { quota: fromMetric ?? fromLimit, region: info.dimensions?.region, ...(info.limit !== undefined ? { limit: info.limit } : {}) };
    }
  }
  const message = [error instanceof Error ? error.message : '', ...items.map((item) => item.message ?? '')].join(' ');
  const match = /Quota '([A-Z0-9_]+)' exceeded\.\s*Limit:\s*([\d.]+)(?:\s+(?:in|globally)(?:\s+region\s+([a-z0-9-]+))?)?/i.exec(message);
  return match ? { quota: match[1], ...(match[3] ? { region: match[3] } : {}), limit: Number(match[2]) } : {};
}

export interface GceErrorContext {
  /** e.g. "Creating spotbox-abc in us-central1-a". */
  readonly action: string;
  readonly project: string;
  readonly zone?: string;
}

/** Turns an HTTP or operation error of Compute into a GceError a user (or the launcher) can act on. */
export function toGceError(error: unknown, context: GceErrorContext): SpotboxError {
  if (error instanceof SpotboxError) return error;
  const problem = classifyGceError(error);
  const detail = error instanceof Error ? error.message : String(error);
  const region = context.zone === undefined ? undefined : regionOfZone(context.zone);
  switch (problem) {
    case 'no-capacity':
      return new GceError(problem, `${context.action}: Google has no spot capacity for it${context.zone ? ` in ${context.zone}` : ''} right now (${detail}).`, 'Spotbox tries the next zone or machine type; if none has capacity, try again later or allow more regions.', { cause: error, ...(context.zone ? { zone: context.zone } : {}) });
    case 'quota': {
      const quota = quotaOf(error);
      const where = quota.region ?? region;
      const name = quota.quota ?? 'a Compute Engine quota';
      const describe = where ? `gcloud compute regions describe ${where} --project ${context.project}` : `gcloud compute project-info describe --project ${context.project}`;
      return new GceError(
        problem,
        `${context.action}: the project ${context.project} is over its ${name} quota${where ? ` in ${where}` : ''}${quota.limit !== undefined ? ` (limit ${quota.limit})` : ''}.`,
        `Ask for more at https://console.cloud.google.com/iam-admin/quotas?project=${encodeURIComponent(context.project)}${quota.quota ? ` (filter: ${quota.quota})` : ''}; \`${describe}\` shows the limits and usage. Spot GPUs count against the PREEMPTIBLE_* quotas and GPUS_ALL_REGIONS.`,
        { cause: error, ...(quota.quota ? { quota: quota.quota } : {}), ...(where ? { region: where } : {}) },
      );
    }
    case 'auth':
      return new GceError(problem, `${context.action}: Google did not accept the credentials (${detail}).`, 'Run `gcloud auth application-default login` or choose a configuration whose credentials work (Spotbox: Choose GCP Project).', { cause: error });
    case 'permission':
      return new GceError(problem, `${context.action}: the credentials may not do this in project ${context.project} (${detail}).`, `Check that the Compute Engine API is enabled for ${context.project} and that the account has roles/compute.instanceAdmin.v1 (or choose another project).`, { cause: error });
    case 'network':
      return new GceError(
        problem,
        `${context.action}: Compute Engine did not answer (${networkCode(error)}).`,
        'Check the network or proxy; if gcloud\'s configuration redirects the API (api_endpoint_overrides, e.g. the sandbox), check that it is running.',
        { cause: error },
      );
    case 'not-found':
      return new GceError(problem, `${context.action}: not found (${detail}).`, undefined, { cause: error });
    default:
      return new GceError(problem, `${context.action} failed: ${detail}`, undefined, { cause: error });
  }
}
