/**
 * ARM's long-running operations as clients poll them:
 * - `Azure-AsyncOperation` URLs (`…/providers/{namespace}/locations/{location}/operations/{id}`)
 *   answer 200 `{name, status: InProgress|Succeeded|Failed|Canceled, startTime, endTime?, error?}`;
 * - `Location` URLs (`…/operationresults/{id}`, as resource-group deletion gives) answer 202 with
 *   `Location`/`Retry-After` until done, then 200 (or the error).
 */
import { randomUUID } from 'node:crypto';
import type { ArmError } from './armError';

export interface AsyncOperation {
  readonly id: string;
  readonly namespace: string;
  readonly location: string;
  readonly apiVersion: string;
  readonly startTime: string;
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
  endTime?: string;
  error?: { code: string; message: string };
}

export class AsyncOperations {
  private readonly operations = new Map<string, AsyncOperation>();
  /** Set when the server knows its URL. */
  baseUrl = '';

  constructor(private readonly subscriptionId: string) {}

  start(namespace: string, location: string, apiVersion: string): AsyncOperation {
    const operation: AsyncOperation = { id: randomUUID(), namespace, location, apiVersion, startTime: new Date().toISOString(), status: 'InProgress' };
    this.operations.set(operation.id, operation);
    return operation;
  }

  succeed(operation: AsyncOperation): void {
    if (operation.status === 'InProgress') {
      operation.status = 'Succeeded';
      operation.endTime = new Date().toISOString();
    }
  }

  fail(operation: AsyncOperation, error: ArmError): void {
    if (operation.status === 'InProgress') {
      operation.status = 'Failed';
      operation.endTime = new Date().toISOString();
      operation.error = { code: error.code, message: error.message };
    }
  }

  get(id: string): AsyncOperation | undefined {
    return this.operations.get(id);
  }

  asyncOperationUrl(operation: AsyncOperation): string {
    return `${this.baseUrl}/subscriptions/${this.subscriptionId}/providers/${operation.namespace}/locations/${operation.location}/operations/${operation.id}?api-version=${operation.apiVersion}`;
  }

  locationUrl(operation: AsyncOperation): string {
    return `${this.baseUrl}/subscriptions/${this.subscriptionId}/operationresults/${operation.id}?api-version=${operation.apiVersion}`;
  }

  /** Headers of a 201/202 that starts `operation`. */
  headers(operation: AsyncOperation, withLocation: boolean, retryAfterSeconds: number): Record<string, string> {
    return {
      'Azure-AsyncOperation': this.asyncOperationUrl(operation),
      ...(withLocation ? { Location: this.locationUrl(operation) } : {}),
      'Retry-After': String(retryAfterSeconds),
    };
  }

  render(operation: AsyncOperation): Record<string, unknown> {
    return {
      name: operation.id,
      status: operation.status,
      startTime: operation.startTime,
      ...(operation.endTime ? { endTime: operation.endTime } : {}),
      ...(operation.error ? { error: operation.error } : {}),
    };
  }
}
