/**
 * GCS buckets and objects on disk under the sandbox folder: `<dir>/<bucket>/data/<generation>`
 * holds each object's bytes and `<dir>/<bucket>/index.json` its metadata, so a restarted sandbox
 * still has them. Every write makes a new generation, as GCS does; preconditions
 * (`ifGenerationMatch`, 0 meaning "must not exist") are checked here.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from '../../jsonStateFile';
import { GoogleApiError } from '../http/googleError';
import { crc32c, crc32cBase64 } from './crc32c';

export interface ObjectRecord {
  readonly name: string;
  readonly bucket: string;
  readonly generation: string;
  readonly metageneration: string;
  readonly size: number;
  readonly contentType: string;
  /** Absent on composite objects, as on GCS. */
  readonly md5Hash?: string;
  readonly crc32c: string;
  readonly componentCount?: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly timeCreatedMs: number;
}

interface BucketRecord {
  readonly name: string;
  readonly timeCreatedMs: number;
  readonly location: string;
  objects: Record<string, ObjectRecord>;
}

export interface Preconditions {
  readonly ifGenerationMatch?: string;
  readonly ifGenerationNotMatch?: string;
}

export interface NewObject {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Checksums the client sent: a mismatch fails the upload, as on GCS. */
  readonly expectedMd5?: string;
  readonly expectedCrc32c?: string;
}

export class ObjectStore {
  private readonly buckets = new Map<string, BucketRecord>();
  private lastGeneration = 0;

  constructor(private readonly directory: string, private readonly now: () => number = Date.now) {
    fs.mkdirSync(directory, { recursive: true });
    for (const name of fs.readdirSync(directory)) {
      const index = path.join(directory, name, 'index.json');
      if (fs.existsSync(index)) {
        const bucket = JSON.parse(fs.readFileSync(index, 'utf8')) as BucketRecord;
        this.buckets.set(bucket.name, bucket);
        for (const object of Object.values(bucket.objects)) {
          this.lastGeneration = Math.max(this.lastGeneration, Number(object.generation) / 1000);
        }
      }
    }
  }

  createBucket(name: string, location = 'US'): BucketRecord {
    if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name)) {
      throw new GoogleApiError(400, 'Invalid bucket name: ' + `'${name}'`, 'invalid');
    }
    if (this.buckets.has(name)) {
      throw new GoogleApiError(409, 'Your previous request to create the named bucket succeeded and you already own it.', 'conflict');
    }
    const bucket: BucketRecord = { name, timeCreatedMs: this.now(), location, objects: {} };
    this.buckets.set(name, bucket);
    fs.mkdirSync(path.join(this.directory, name, 'data'), { recursive: true });
    this.save(bucket);
    return bucket;
  }

  ensureBucket(name: string): void {
    if (!this.buckets.has(name)) {
      this.createBucket(name);
    }
  }

  bucket(name: string): BucketRecord {
    const bucket = this.buckets.get(name);
    if (!bucket) {
      throw new GoogleApiError(404, 'The specified bucket does not exist.', 'notFound');
    }
    return bucket;
  }

  listBuckets(): BucketRecord[] {
    return [...this.buckets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(bucketName: string, name: string, generation?: string): ObjectRecord {
    const object = this.bucket(bucketName).objects[name];
    if (!object || (generation !== undefined && object.generation !== generation)) {
      throw new GoogleApiError(404, `No such object: ${bucketName}/${name}`, 'notFound');
    }
    return object;
  }

  read(object: ObjectRecord): Buffer {
    return fs.readFileSync(this.dataPath(object.bucket, object.generation));
  }

  list(bucketName: string): ObjectRecord[] {
    return Object.values(this.bucket(bucketName).objects).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  put(bucketName: string, name: string, data: Buffer, fields: NewObject, preconditions: Preconditions, composedOf?: number): ObjectRecord {
    const bucket = this.bucket(bucketName);
    validateObjectName(name);
    checkPreconditions(bucket.objects[name], preconditions);
    const md5Hash = createHash('md5').update(data).digest('base64');
    const crc = crc32cBase64(crc32c(data));
    if (fields.expectedMd5 && fields.expectedMd5 !== md5Hash) {
      throw new GoogleApiError(400, `Provided MD5 hash "${fields.expectedMd5}" doesn't match calculated MD5 hash "${md5Hash}".`, 'invalid');
    }
    if (fields.expectedCrc32c && fields.expectedCrc32c !== crc) {
      throw new GoogleApiError(400, `Provided CRC32C "${fields.expectedCrc32c}" doesn't match calculated CRC32C "${crc}".`, 'invalid');
    }
    // Generations are microsecond timestamps on GCS; kept strictly increasing here.
    this.lastGeneration = Math.max(this.lastGeneration + 1, this.now());
    const generation = String(this.lastGeneration * 1000);
    fs.writeFileSync(this.dataPath(bucketName, generation), data);
    const previous = bucket.objects[name];
    const object: ObjectRecord = {
      name,
      bucket: bucketName,
      generation,
      metageneration: '1',
      size: data.length,
      contentType: fields.contentType ?? 'application/octet-stream',
      ...(composedOf === undefined ? { md5Hash } : { componentCount: composedOf }),
      crc32c: crc,
      ...(fields.metadata && Object.keys(fields.metadata).length ? { metadata: { ...fields.metadata } } : {}),
      timeCreatedMs: this.now(),
    };
    bucket.objects[name] = object;
    this.save(bucket);
    if (previous) {
      fs.rmSync(this.dataPath(bucketName, previous.generation), { force: true });
    }
    return object;
  }

  delete(bucketName: string, name: string, preconditions: Preconditions): void {
    const bucket = this.bucket(bucketName);
    const object = bucket.objects[name];
    if (!object) {
      throw new GoogleApiError(404, `No such object: ${bucketName}/${name}`, 'notFound');
    }
    checkPreconditions(object, preconditions);
    delete bucket.objects[name];
    this.save(bucket);
    fs.rmSync(this.dataPath(bucketName, object.generation), { force: true });
  }

  private dataPath(bucket: string, generation: string): string {
    return path.join(this.directory, bucket, 'data', generation);
  }

  private save(bucket: BucketRecord): void {
    const file = path.join(this.directory, bucket.name, 'index.json');
    writeFileAtomically(file, JSON.stringify(bucket));
  }
}

function validateObjectName(name: string): void {
  if (name === '' || Buffer.byteLength(name) > 1024 || name === '.' || name === '..' || /[\r\n]/.test(name)) {
    throw new GoogleApiError(400, `The object name '${name}' is invalid.`, 'invalid');
  }
}

function checkPreconditions(existing: ObjectRecord | undefined, preconditions: Preconditions): void {
  const { ifGenerationMatch, ifGenerationNotMatch } = preconditions;
  if (ifGenerationMatch !== undefined && (ifGenerationMatch === '0' ? existing !== undefined : existing?.generation !== ifGenerationMatch)) {
    throw new GoogleApiError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet', { location: 'If-Match', locationType: 'header' });
  }
  if (ifGenerationNotMatch !== undefined && (ifGenerationNotMatch === '0' ? existing === undefined : existing?.generation === ifGenerationNotMatch)) {
    throw new GoogleApiError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet', { location: 'If-None-Match', locationType: 'header' });
  }
}
