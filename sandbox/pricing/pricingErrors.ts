import { AwsServiceError } from '../http/awsJson';

/**
 * Errors of the Price List API, answered in the AWS JSON 1.1 shape (AWS_JSON_1_1 in http/awsJson):
 * HTTP status plus a body `{"__type": code, "Message": ...}`; the SDK reads the code from `__type`
 * and retries 5xx.
 */
export class PricingError extends AwsServiceError {}

export const invalidParameter = (message: string): PricingError => new PricingError('InvalidParameterException', message);
