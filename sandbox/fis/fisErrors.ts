import { AwsServiceError } from '../http/awsJson';

/**
 * Errors of the FIS API, answered in the REST-JSON shape (REST_JSON in http/awsJson): HTTP status,
 * the code in the `x-amzn-ErrorType` header, and a body `{"message": ...}`; client-fis reads the
 * code from the header.
 */
export class FisError extends AwsServiceError {}

export const validation = (message: string): FisError => new FisError('ValidationException', message, 400);
export const notFound = (message: string): FisError => new FisError('ResourceNotFoundException', message, 404);
