/**
 * Errors of the FIS API in its REST-JSON shape: HTTP status, the code in the `x-amzn-ErrorType`
 * header, and a body `{"message": ...}`; client-fis reads the code from the header.
 */
export class FisError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const validation = (message: string): FisError => new FisError('ValidationException', message, 400);
export const notFound = (message: string): FisError => new FisError('ResourceNotFoundException', message, 404);

export function errorBody(error: FisError): string {
  return JSON.stringify({ message: error.message });
}
