/** An Azure Resource Manager refusal: ARM's `{error: {code, message, details}}`, from a response or a failed long-running operation. */
export class ArmApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Inner codes (`details[].code`), where ARM puts e.g. `SkuNotAvailable` under `InvalidTemplateDeployment`. */
    readonly detailCodes: readonly string[] = [],
    readonly request?: { readonly method: string; readonly url: string },
  ) {
    super(message);
    this.name = 'ArmApiError';
  }

  /** Whether this code, or one of its details', is `code`. */
  has(...codes: readonly string[]): boolean {
    return codes.includes(this.code) || this.detailCodes.some((detail) => codes.includes(detail));
  }
}

interface ArmErrorBody {
  readonly code?: string;
  readonly message?: string;
  readonly details?: ReadonlyArray<ArmErrorBody>;
}

/** The error of an ARM response body (or of an async operation's status document); its status text when the body is not ARM's. */
export function parseArmError(status: number, body: string, request?: { method: string; url: string }): ArmApiError {
  let parsed: { error?: ArmErrorBody } | undefined;
  try {
    parsed = JSON.parse(body) as { error?: ArmErrorBody };
  } catch {
    parsed = undefined;
  }
  return armErrorOf(status, parsed?.error, body, request);
}

export function armErrorOf(status: number, error: ArmErrorBody | undefined, fallback: string, request?: { method: string; url: string }): ArmApiError {
  const code = error?.code ?? `HTTP${status}`;
  const message = error?.message ?? (fallback.trim().slice(0, 300) || `HTTP ${status}`);
  return new ArmApiError(status, code, message, flattenDetails(error?.details), request);
}

function flattenDetails(details: ReadonlyArray<ArmErrorBody> | undefined): string[] {
  return (details ?? []).flatMap((detail) => [...(detail.code ? [detail.code] : []), ...flattenDetails(detail.details)]);
}

/** No room for this size here now: try the next size or region (dstack and SkyPilot treat these alike). */
export function isNoCapacity(error: unknown): boolean {
  return error instanceof ArmApiError && error.has('SkuNotAvailable', 'AllocationFailed', 'OverconstrainedAllocationRequest', 'ZonalAllocationFailed', 'OverconstrainedZonalAllocationRequest');
}

/** The Spot price is above the profile's guard: refused, nothing to retry elsewhere at that guard. */
export function isPriceAboveMax(error: unknown): boolean {
  return error instanceof ArmApiError && error.has('SpotPriceGreaterThanProvidedMaxPrice');
}

/** A vCPU quota (a family's, the region's, or Spot's "lowPriorityCores"). */
export function isQuota(error: unknown): boolean {
  return error instanceof ArmApiError && (error.has('QuotaExceeded') || (error.has('OperationNotAllowed') && /quota/i.test(error.message)));
}
