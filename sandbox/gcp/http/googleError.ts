/**
 * Errors as Google's JSON APIs answer them:
 * `{"error":{"code":404,"message":"...","errors":[{"message":"...","domain":"global","reason":"notFound"}]}}`.
 * Client libraries read `error.errors[0].reason` (googleapiclient's HttpError, google-auth-library's GaxiosError).
 */
export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason: string,
    readonly extra: { readonly status?: string; readonly location?: string; readonly locationType?: string } = {},
  ) {
    super(message);
  }

  body(): { error: Record<string, unknown> } {
    const item: Record<string, unknown> = { message: this.message, domain: 'global', reason: this.reason };
    if (this.extra.location) {
      item.location = this.extra.location;
      item.locationType = this.extra.locationType ?? 'parameter';
    }
    return { error: { code: this.code, message: this.message, errors: [item], ...(this.extra.status ? { status: this.extra.status } : {}) } };
  }

  static notFound(resource: string): GoogleApiError {
    return new GoogleApiError(404, `The resource '${resource}' was not found`, 'notFound');
  }

  static alreadyExists(resource: string): GoogleApiError {
    return new GoogleApiError(409, `The resource '${resource}' already exists`, 'alreadyExists');
  }

  /** Compute's wording for a bad field: "Invalid value for field 'resource.name': 'X'. <why>" */
  static invalidField(field: string, value: unknown, why: string): GoogleApiError {
    const shown = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
    return new GoogleApiError(400, `Invalid value for field '${field}': '${shown}'. ${why}`, 'invalid');
  }

  static required(field: string): GoogleApiError {
    return new GoogleApiError(400, `Required field '${field}' not specified`, 'required');
  }

  static missingCredentials(): GoogleApiError {
    return new GoogleApiError(
      401,
      'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      'required',
      { status: 'UNAUTHENTICATED', location: 'Authorization', locationType: 'header' },
    );
  }

  static invalidCredentials(): GoogleApiError {
    return new GoogleApiError(401, 'Invalid Credentials', 'authError', { status: 'UNAUTHENTICATED', location: 'Authorization', locationType: 'header' });
  }
}
