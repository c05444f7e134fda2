import type { GcsClient } from '../gcp/gcsClient';
import type { ObjectSink } from './objectStores';

/** A copy's destination in Cloud Storage: one upload per object, written only where none is (a retry meeting its own bytes passes). */
export function gcsObjectSink(gcs: GcsClient, bucket: string): ObjectSink {
  return {
    url: `gs://${bucket}`,
    async put(key, body, signal) {
      await gcs.upload(bucket, key, body, signal ? { signal } : {});
    },
  };
}
