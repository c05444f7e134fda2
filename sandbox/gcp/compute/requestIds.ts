/**
 * The `requestId` query parameter of Compute's mutations: a retried request with the same id is
 * not run again; the server answers the operation the first one started. Google keeps ids for at
 * least 60 minutes and wants a UUID other than the zero UUID
 * (https://cloud.google.com/compute/docs/reference/rest/v1/instanceTemplates/insert, "requestId").
 */
import { GoogleApiError } from '../http/googleError';
import type { OperationRecord } from './operations';

const KEPT_MS = 60 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export class RequestIds {
  private readonly seen = new Map<string, { operation: OperationRecord; atMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The operation an earlier request with this id started, if any; throws Google's 400 on a malformed id. */
  earlier(requestId: string): OperationRecord | undefined {
    if (!UUID.test(requestId) || requestId === ZERO_UUID) {
      throw GoogleApiError.invalidField('requestId', requestId, 'The request ID must be a valid UUID other than the zero UUID.');
    }
    this.forgetOld();
    return this.seen.get(requestId.toLowerCase())?.operation;
  }

  remember(requestId: string, operation: OperationRecord): void {
    this.seen.set(requestId.toLowerCase(), { operation, atMs: this.now() });
  }

  private forgetOld(): void {
    for (const [id, entry] of this.seen) {
      if (this.now() - entry.atMs > KEPT_MS) {
        this.seen.delete(id);
      }
    }
  }
}
