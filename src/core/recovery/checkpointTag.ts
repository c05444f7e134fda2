import type { CheckpointLocation } from '../checkpoint/checkpointLayout';

/**
 * Where a self-restoring lineage (Google Cloud's group, Azure's scale set) checkpoints, as its launch
 * records it on the cloud (GCE metadata, an ARM tag): `<bucket>/<prefix>`. On Azure the bucket is
 * `<account>/<container>`. The window reads the notice checkpoint from there, never from the box.
 */
export type CheckpointPlace = CheckpointLocation;

export function checkpointTagValue(checkpoint: CheckpointPlace): string {
  return `${checkpoint.bucket}/${checkpoint.prefix.replace(/^\/+|\/+$/g, '')}`;
}

/** Undefined for a value that is not one (a box launched before the tag, or a tag edited by hand). */
export function parseCheckpointTag(value: string | undefined, cloud: 'gcp' | 'azure'): CheckpointPlace | undefined {
  const parts = value?.split('/') ?? [];
  const bucketParts = cloud === 'azure' ? 2 : 1;
  if (parts.length <= bucketParts || parts.slice(0, bucketParts).some((part) => part === '')) return undefined;
  return { bucket: parts.slice(0, bucketParts).join('/'), prefix: parts.slice(bucketParts).join('/') };
}

