/** The shape of the Compute emulator's routes, shared by computeServer.ts and the files that add routes to it. */
import type { OperationRecord } from './operations';

export interface Call {
  readonly method: string;
  readonly parts: string[];
  readonly query: URLSearchParams;
  /** The principal of the caller's token (an operation's `user`). */
  readonly user: string;
  body(): Promise<Record<string, unknown>>;
}

/** Path parameters are the segments matched by `*`, in order. */
export type Handler = (call: Call, params: string[]) => unknown;

export interface RouteTable {
  /** `path` is relative to `projects/{project}/`, `*` matching one segment. */
  route(method: string, path: string, handler: Handler): void;
  /** A mutation that answers an operation; a retry with the same `requestId` answers the first one's operation and does nothing. */
  operation(method: string, path: string, handler: (call: Call, params: string[]) => OperationRecord | Promise<OperationRecord>): void;
  /** A list answer (`kind`, `id`, `items`, `nextPageToken`, `selfLink`) with `filter`, `maxResults` and `pageToken` applied. */
  list(kind: string, id: string, items: unknown[], query: URLSearchParams): Record<string, unknown>;
}
