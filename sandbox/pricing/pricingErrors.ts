/**
 * Errors of the Price List API in the AWS JSON 1.1 shape: HTTP status plus a body
 * `{"__type": code, "Message": ...}`; the SDK reads the code from `__type` and retries 5xx.
 */
export class PricingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string): PricingError => new PricingError('InvalidParameterException', message);

export function errorBody(error: PricingError): string {
  return JSON.stringify({ __type: error.code, Message: error.message });
}
