/** Buckets and objects as the GCS JSON API's resources. */
import { createHash } from 'node:crypto';
import type { ObjectRecord } from './objectStore';

const API = 'https://www.googleapis.com/storage/v1';

export function renderObject(object: ObjectRecord, downloadBase: string): Record<string, unknown> {
  const encoded = encodeURIComponent(object.name);
  const time = new Date(object.timeCreatedMs).toISOString();
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${API}/b/${object.bucket}/o/${encoded}`,
    mediaLink: `${downloadBase}/download/storage/v1/b/${object.bucket}/o/${encoded}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: object.metageneration,
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.size),
    ...(object.md5Hash ? { md5Hash: object.md5Hash } : {}),
    crc32c: object.crc32c,
    ...(object.componentCount !== undefined ? { componentCount: object.componentCount } : {}),
    etag: etagOf(object.generation, object.metageneration),
    timeCreated: time,
    updated: time,
    timeStorageClassUpdated: time,
    ...(object.metadata ? { metadata: { ...object.metadata } } : {}),
  };
}

export function renderBucket(bucket: { name: string; timeCreatedMs: number; location: string }, projectNumber: string): Record<string, unknown> {
  const time = new Date(bucket.timeCreatedMs).toISOString();
  return {
    kind: 'storage#bucket',
    selfLink: `${API}/b/${bucket.name}`,
    id: bucket.name,
    name: bucket.name,
    projectNumber,
    metageneration: '1',
    location: bucket.location,
    storageClass: 'STANDARD',
    etag: 'CAE=',
    timeCreated: time,
    updated: time,
    iamConfiguration: { bucketPolicyOnly: { enabled: true }, uniformBucketLevelAccess: { enabled: true }, publicAccessPrevention: 'enforced' },
    locationType: 'multi-region',
    rpo: 'DEFAULT',
  };
}

function etagOf(generation: string, metageneration: string): string {
  return createHash('md5').update(`${generation}/${metageneration}`).digest('base64').slice(0, 12);
}
