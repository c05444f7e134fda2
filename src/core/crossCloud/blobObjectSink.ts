import type { BlobClient } from '../azure/blobClient';
import type { ObjectSink } from './objectStores';

/** A copy's destination in Blob storage: one Put Blob per object into the container (a retry overwrites it with the same bytes). */
export function blobObjectSink(blob: BlobClient, container: string): ObjectSink {
  return {
    url: blob.url(container),
    async put(key, body, signal) {
      await blob.putBlob(container, key, Buffer.from(body.buffer, body.byteOffset, body.byteLength), signal ? { signal } : {});
    },
  };
}
