/**
 * The two sides of a copy between object stores, each as small as a copy needs: S3, Cloud Storage
 * and (later) Blob storage plug in behind them.
 */
export interface ObjectSource {
  /** Where the objects come from, for messages: `s3://bucket`. */
  readonly url: string;
  /** The object's bytes, or undefined when there is none. */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
}

export interface ObjectSink {
  /** Where the objects go, for messages: `gs://bucket`. */
  readonly url: string;
  /** Stores the object under `key`; a retry that meets the same bytes already there succeeds. */
  put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<void>;
}
