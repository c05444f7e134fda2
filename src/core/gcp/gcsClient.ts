import { createHash } from 'node:crypto';
import { manifestKey, seqFolder, type CheckpointLocation } from '../checkpoint/checkpointLayout';
import { parseManifest, type CheckpointManifest } from '../checkpoint/manifest';
import { SpotboxError } from '../errors';
import { GcpApiError } from './gcpApiError';
import { segment, type GcpHttp } from './gcpHttp';

export interface GcsObject {
  readonly name: string;
  readonly bucket?: string;
  /** int64 as a decimal string, as the JSON API sends it. */
  readonly generation?: string;
  readonly metageneration?: string;
  readonly size?: string;
  readonly contentType?: string;
  readonly updated?: string;
  readonly md5Hash?: string;
  readonly crc32c?: string;
}

export interface GcsListing {
  readonly objects: GcsObject[];
  /** "Folders" one level down when a delimiter was given (`prefixes` of the JSON API). */
  readonly prefixes: string[];
}

export interface GcsClientOptions {
  readonly http: GcpHttp;
  /** JSON API root, e.g. `https://storage.googleapis.com/storage/v1/` (gcloud's override or STORAGE_EMULATOR_HOST). */
  readonly endpoint: string;
  /** Upload root, e.g. `https://storage.googleapis.com/upload/storage/v1/`. */
  readonly uploadEndpoint: string;
  /** Objects per list page (the API's default and maximum is 1000). */
  readonly pageSize?: number;
  /** Deletes in flight at once (default 8). */
  readonly deleteConcurrency?: number;
}

const MAX_PAGES = 1000;

/**
 * The editor's side of GCS over the JSON API: list by prefix, read a checkpoint's manifest, put small
 * files (the boot tools) with a generation precondition, delete a prefix. Checkpoint data itself is
 * the on-box agent's business.
 */
export class GcsClient {
  constructor(private readonly options: GcsClientOptions) {}

  /** Where this client reaches Cloud Storage (`https://storage.googleapis.com`, or an emulator's origin). */
  get origin(): string {
    return new URL(this.options.endpoint).origin;
  }

  /** Objects and (with a delimiter) prefixes under `prefix`, every page. */
  async list(bucket: string, prefix: string, options: { delimiter?: string; signal?: AbortSignal } = {}): Promise<GcsListing> {
    const objects: GcsObject[] = [];
    const prefixes: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.options.http.json<{ items?: GcsObject[]; prefixes?: string[]; nextPageToken?: string }>({
        method: 'GET',
        url: `${this.options.endpoint}b/${segment(bucket)}/o`,
        query: { prefix, delimiter: options.delimiter, pageToken, maxResults: this.options.pageSize },
        retry: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      objects.push(...(page.items ?? []));
      prefixes.push(...(page.prefixes ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken && ++pages < MAX_PAGES);
    return { objects, prefixes };
  }

  /** The object's bytes as text, or undefined when it does not exist. */
  async readText(bucket: string, name: string, signal?: AbortSignal): Promise<string | undefined> {
    try {
      const response = await this.options.http.send({ method: 'GET', url: this.objectUrl(bucket, name), query: { alt: 'media' }, retry: true, ...(signal ? { signal } : {}) });
      return await response.text();
    } catch (error) {
      if (error instanceof GcpApiError && error.httpStatus === 404) return undefined;
      throw error;
    }
  }

  /** A checkpoint's manifest, validated as the S3 store validates it; a problem when it is missing or invalid. */
  async readManifest(location: CheckpointLocation, session: string, seq: number): Promise<{ manifest: CheckpointManifest } | { problem: string }> {
    const key = manifestKey(location.prefix, session, seq);
    const text = await this.readText(location.bucket, key);
    if (text === undefined) return { problem: `gs://${location.bucket}/${key} does not exist (an upload that failed or is still running)` };
    const { manifest, problems } = parseManifest(text, { session, seq, folder: seqFolder(location.prefix, session, seq) });
    return manifest ? { manifest } : { problem: `its manifest is invalid: ${problems.slice(0, 3).join('; ')}` };
  }

  /**
   * Uploads a small object in one request (`uploadType=media`) with `ifGenerationMatch`: 0 (the
   * default) writes it only if there is none, a generation replaces exactly that version. The
   * precondition makes a retry safe. Returns the object Google stored (its generation is the undo).
   */
  async upload(bucket: string, name: string, content: Uint8Array | string, options: { contentType?: string; ifGenerationMatch?: string | number; signal?: AbortSignal } = {}): Promise<GcsObject> {
    const ifGenerationMatch = String(options.ifGenerationMatch ?? 0);
    try {
      return await this.options.http.json<GcsObject>({
        method: 'POST',
        url: `${this.options.uploadEndpoint}b/${segment(bucket)}/o`,
        query: { uploadType: 'media', name, ifGenerationMatch },
        raw: { body: content, contentType: options.contentType ?? 'application/octet-stream' },
        retry: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof GcpApiError && error.httpStatus === 412) {
        // A retried upload whose first attempt landed (its answer lost) meets its own object: same bytes, no conflict.
        const existing = ifGenerationMatch === '0' ? await this.metadata(bucket, name) : undefined;
        if (existing?.md5Hash && existing.md5Hash === createHash('md5').update(content).digest('base64')) return existing;
        throw new SpotboxError(
          `gs://${bucket}/${name} ${ifGenerationMatch === '0' ? 'already exists' : `is no longer generation ${ifGenerationMatch}`}; it was not overwritten.`,
          'Another window or launch may have written it; look at the bucket, then try again.',
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Deletes one object (that generation only, when given); true when it was there. */
  async deleteObject(bucket: string, name: string, options: { ifGenerationMatch?: string; signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.options.http.send({
        method: 'DELETE',
        url: this.objectUrl(bucket, name),
        query: { ifGenerationMatch: options.ifGenerationMatch },
        // Deleting twice ends the same way (a 404 the second time).
        retry: true,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return true;
    } catch (error) {
      if (error instanceof GcpApiError && error.httpStatus === 404) return false;
      throw error;
    }
  }

  /** Deletes every object under `prefix` (which must not be empty); returns how many went. */
  async deletePrefix(bucket: string, prefix: string, signal?: AbortSignal): Promise<number> {
    if (prefix.replace(/\/+/g, '') === '') throw new Error('Refusing to delete a whole bucket: the prefix is empty.');
    const { objects } = await this.list(bucket, prefix, signal ? { signal } : {});
    let deleted = 0;
    const queue = [...objects];
    const worker = async (): Promise<void> => {
      for (let object = queue.shift(); object; object = queue.shift()) {
        // That generation only: an object written again since the listing is left alone.
        if (await this.deleteObject(bucket, object.name, { ...(object.generation ? { ifGenerationMatch: object.generation } : {}), ...(signal ? { signal } : {}) })) deleted++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.deleteConcurrency ?? 8, Math.max(1, queue.length)) }, worker));
    return deleted;
  }

  /** The object's metadata, or undefined when it does not exist. */
  async metadata(bucket: string, name: string, signal?: AbortSignal): Promise<GcsObject | undefined> {
    try {
      return await this.options.http.json<GcsObject>({ method: 'GET', url: this.objectUrl(bucket, name), retry: true, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (error instanceof GcpApiError && error.httpStatus === 404) return undefined;
      throw error;
    }
  }

  private objectUrl(bucket: string, name: string): string {
    // The object name is one path segment: its slashes are escaped (%2F), as the JSON API requires.
    return `${this.options.endpoint}b/${segment(bucket)}/o/${segment(name)}`;
  }
}
