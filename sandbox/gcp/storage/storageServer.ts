/**
 * The Cloud Storage JSON API on one loopback port (what STORAGE_EMULATOR_HOST and gcloud's
 * `api_endpoint_overrides/storage` point at): uploads under `/upload/storage/v1`, metadata and
 * listing under `/storage/v1`, downloads with `alt=media` (also under `/download/storage/v1`).
 * Every call needs a bearer token the sandbox issued.
 */
import * as http from 'node:http';
import type { EventSink } from '../../contract';
import { closeServer, listen } from '../../http/serverUtil';
import type { AccessTokens } from '../auth/accessTokens';
import { GoogleApiError } from '../http/googleError';
import { readRaw, requireBearer, scalarText, sendError, sendJson } from '../http/googleHttp';
import { parseMultipartRelated } from './multipart';
import { ObjectStore, type NewObject, type Preconditions } from './objectStore';
import { renderBucket, renderObject } from './render';
import { ResumableUploads } from './resumableUploads';

export interface StorageEmulatorOptions {
  readonly directory: string;
  readonly tokens: AccessTokens;
  readonly project: string;
  readonly projectNumber: string;
  readonly buckets?: readonly string[];
  readonly events?: EventSink;
}

/** Larger uploads must be resumable (in chunks); one request carries at most this much. */
const MAX_REQUEST_BYTES = 512 * 1024 * 1024;
/** GCS's compose limit. */
const MAX_COMPOSE_SOURCES = 32;

export class StorageEmulator {
  readonly store: ObjectStore;
  private readonly uploads = new ResumableUploads();
  private server?: http.Server;
  private base = '';
  private failures: { count: number; status: number } | undefined;

  constructor(private readonly options: StorageEmulatorOptions) {
    this.store = new ObjectStore(options.directory);
    for (const bucket of options.buckets ?? []) {
      this.store.ensureBucket(bucket);
    }
  }

  async start(port = 0): Promise<{ url: string }> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    const { url } = await listen(server, port, '127.0.0.1');
    this.server = server;
    this.base = url;
    return { url };
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return closeServer(server);
  }

  /** The next `count` requests answer `status` (503 by default) with Google's error body. */
  failNext(count: number, status = 503): void {
    this.failures = count > 0 ? { count, status } : undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://storage');
      // A resumable session's URI is its own credential, as on GCS: chunks need no token.
      if (!(url.pathname.startsWith('/upload/') && url.searchParams.has('upload_id'))) {
        requireBearer(req, this.options.tokens);
      }
      if (this.failures && this.failures.count-- > 0) {
        this.options.events?.record('gcs-fault', { path: url.pathname, status: this.failures.status });
        throw new GoogleApiError(this.failures.status, 'We encountered an internal error. Please try again.', 'backendError');
      }
      await this.route(req, res, url);
    } catch (error) {
      sendError(res, error);
    }
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const query = url.searchParams;
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if ((match = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) {
      await this.upload(req, res, decodeURIComponent(match[1]), query);
      return;
    }
    if (method === 'GET' && (match = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path)) && (query.get('alt') === 'media' || path.startsWith('/download/'))) {
      this.download(req, res, decodeURIComponent(match[1]), decodeURIComponent(match[2]), query);
      return;
    }
    if ((match = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)\/compose$/.exec(path)) && method === 'POST') {
      const body = await readJson(req);
      sendJson(res, 200, this.compose(decodeURIComponent(match[1]), decodeURIComponent(match[2]), body, preconditionsOf(query)));
      return;
    }
    if ((match = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const [bucket, name] = [decodeURIComponent(match[1]), decodeURIComponent(match[2])];
      if (method === 'GET') {
        sendJson(res, 200, renderObject(this.store.get(bucket, name, query.get('generation') ?? undefined), this.base));
      } else if (method === 'DELETE') {
        this.store.delete(bucket, name, preconditionsOf(query));
        res.writeHead(204).end();
      } else {
        throw new GoogleApiError(405, `Method ${method} is not supported on objects in the sandbox.`, 'methodNotAllowed');
      }
      return;
    }
    if ((match = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && method === 'GET') {
      sendJson(res, 200, this.list(decodeURIComponent(match[1]), query));
      return;
    }
    if ((match = /^\/storage\/v1\/b\/([^/]+)$/.exec(path)) && method === 'GET') {
      sendJson(res, 200, renderBucket(this.store.bucket(decodeURIComponent(match[1])), this.options.projectNumber));
      return;
    }
    if (path === '/storage/v1/b' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body.name !== 'string') {
        throw GoogleApiError.required('resource.name');
      }
      sendJson(res, 200, renderBucket(this.store.createBucket(body.name, typeof body.location === 'string' ? body.location.toUpperCase() : 'US'), this.options.projectNumber));
      return;
    }
    if (path === '/storage/v1/b' && method === 'GET') {
      const items = this.store.listBuckets().map((bucket) => renderBucket(bucket, this.options.projectNumber));
      sendJson(res, 200, { kind: 'storage#buckets', ...(items.length ? { items } : {}) });
      return;
    }
    throw new GoogleApiError(404, `Not Found: ${method} ${path}`, 'notFound');
  }

  private async upload(req: http.IncomingMessage, res: http.ServerResponse, bucket: string, query: URLSearchParams): Promise<void> {
    this.store.bucket(bucket);
    const uploadType = query.get('uploadType');
    const method = req.method ?? 'POST';
    const uploadId = query.get('upload_id');
    if (uploadType === 'resumable' && uploadId) {
      const session = this.uploads.get(uploadId);
      if (method === 'DELETE') {
        this.uploads.cancel(uploadId);
        res.writeHead(499).end();
        return;
      }
      const result = this.uploads.chunk(session, header(req, 'content-range'), await readRaw(req, MAX_REQUEST_BYTES));
      if (result.kind === 'incomplete') {
        res.writeHead(308, result.received > 0 ? { Range: `bytes=0-${result.received - 1}`, 'Content-Length': '0' } : { 'Content-Length': '0' }).end();
        return;
      }
      sendJson(res, 200, renderObject(this.store.put(session.bucket, session.name, result.data, session.fields, session.preconditions), this.base));
      return;
    }
    if (method !== 'POST') {
      throw new GoogleApiError(405, 'Uploads start with POST.', 'methodNotAllowed');
    }
    const preconditions = preconditionsOf(query);
    if (uploadType === 'media') {
      const name = query.get('name');
      if (!name) {
        throw GoogleApiError.required('name');
      }
      const data = await readRaw(req, MAX_REQUEST_BYTES);
      sendJson(res, 200, renderObject(this.store.put(bucket, name, data, { contentType: header(req, 'content-type') }, preconditions), this.base));
    } else if (uploadType === 'multipart') {
      const upload = parseMultipartRelated(await readRaw(req, MAX_REQUEST_BYTES), header(req, 'content-type'));
      const name = stringField(upload.metadata.name) ?? query.get('name');
      if (!name) {
        throw GoogleApiError.required('resource.name');
      }
      sendJson(res, 200, renderObject(this.store.put(bucket, name, upload.data, fieldsOf(upload.metadata, upload.contentType), preconditions), this.base));
    } else if (uploadType === 'resumable') {
      const raw = await readRaw(req, 1024 * 1024);
      const metadata = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
      const name = stringField(metadata.name) ?? query.get('name');
      if (!name) {
        throw GoogleApiError.required('resource.name');
      }
      const session = this.uploads.open(bucket, name, fieldsOf(metadata, header(req, 'x-upload-content-type')), preconditions);
      const location = `${this.base}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${session.id}`;
      res.writeHead(200, { Location: location, 'X-GUploader-UploadID': session.id, 'Content-Length': '0' }).end();
    } else {
      throw GoogleApiError.invalidField('uploadType', uploadType ?? '', 'Must be media, multipart or resumable.');
    }
  }

  private download(req: http.IncomingMessage, res: http.ServerResponse, bucket: string, name: string, query: URLSearchParams): void {
    const object = this.store.get(bucket, name, query.get('generation') ?? undefined);
    const data = this.store.read(object);
    const headers: Record<string, string> = {
      'Content-Type': object.contentType,
      'X-Goog-Generation': object.generation,
      'X-Goog-Metageneration': object.metageneration,
      'X-Goog-Hash': [`crc32c=${object.crc32c}`, ...(object.md5Hash ? [`md5=${object.md5Hash}`] : [])].join(','),
      'X-Goog-Stored-Content-Length': String(object.size),
      'Accept-Ranges': 'bytes',
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(header(req, 'range') ?? '');
    if (range) {
      const first = Number(range[1]);
      const last = range[2] === '' ? data.length - 1 : Math.min(Number(range[2]), data.length - 1);
      if (first >= data.length) {
        res.writeHead(416, { 'Content-Range': `bytes */${data.length}` }).end();
        return;
      }
      res.writeHead(206, { ...headers, 'Content-Range': `bytes ${first}-${last}/${data.length}`, 'Content-Length': String(last - first + 1) });
      res.end(data.subarray(first, last + 1));
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(data.length) });
    res.end(data);
  }

  /** `prefix`, `delimiter` (names past it fold into `prefixes`), `maxResults` (default 1000), `pageToken`, `startOffset`. */
  private list(bucket: string, query: URLSearchParams): Record<string, unknown> {
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const startOffset = query.get('startOffset') ?? '';
    const maxResults = Math.max(1, Math.min(1000, Number(query.get('maxResults') ?? 1000) || 1000));
    const after = query.get('pageToken') ? Buffer.from(query.get('pageToken')!, 'base64url').toString('utf8') : undefined;
    const entries: Array<{ key: string; object?: ReturnType<ObjectStore['get']>; prefix?: string }> = [];
    const seenPrefixes = new Set<string>();
    for (const object of this.store.list(bucket)) {
      if (!object.name.startsWith(prefix) || object.name < startOffset) {
        continue;
      }
      const rest = object.name.slice(prefix.length);
      const cut = delimiter ? rest.indexOf(delimiter) : -1;
      if (cut >= 0) {
        const folded = prefix + rest.slice(0, cut + delimiter.length);
        if (!seenPrefixes.has(folded)) {
          seenPrefixes.add(folded);
          entries.push({ key: folded, prefix: folded });
        }
      } else {
        entries.push({ key: object.name, object });
      }
    }
    const remaining = entries.filter((entry) => after === undefined || entry.key > after);
    const shown = remaining.slice(0, maxResults);
    const items = shown.filter((entry) => entry.object).map((entry) => renderObject(entry.object!, this.base));
    const prefixes = shown.filter((entry) => entry.prefix).map((entry) => entry.prefix!);
    return {
      kind: 'storage#objects',
      ...(remaining.length > maxResults ? { nextPageToken: Buffer.from(shown[shown.length - 1].key).toString('base64url') } : {}),
      ...(prefixes.length ? { prefixes } : {}),
      ...(items.length ? { items } : {}),
    };
  }

  private compose(bucket: string, destination: string, body: Record<string, unknown>, preconditions: Preconditions): Record<string, unknown> {
    const sources = Array.isArray(body.sourceObjects) ? (body.sourceObjects as Array<Record<string, unknown>>) : [];
    if (sources.length === 0) {
      throw GoogleApiError.required('sourceObjects');
    }
    if (sources.length > MAX_COMPOSE_SOURCES) {
      throw new GoogleApiError(400, `The number of source components provided (${sources.length}) exceeds the maximum (${MAX_COMPOSE_SOURCES}).`, 'invalid');
    }
    let components = 0;
    const parts = sources.map((source) => {
      const name = stringField(source.name);
      if (!name) {
        throw GoogleApiError.required('sourceObjects.name');
      }
      const object = this.store.get(bucket, name, source.generation === undefined ? undefined : scalarText(source.generation));
      const condition = (source.objectPreconditions as { ifGenerationMatch?: unknown } | undefined)?.ifGenerationMatch;
      if (condition !== undefined && scalarText(condition) !== object.generation) {
        throw new GoogleApiError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
      }
      components += object.componentCount ?? 1;
      return this.store.read(object);
    });
    const destinationFields = (body.destination ?? {}) as Record<string, unknown>;
    return renderObject(this.store.put(bucket, destination, Buffer.concat(parts), fieldsOf(destinationFields, undefined), preconditions, components), this.base);
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function preconditionsOf(query: URLSearchParams): Preconditions {
  return { ifGenerationMatch: query.get('ifGenerationMatch') ?? undefined, ifGenerationNotMatch: query.get('ifGenerationNotMatch') ?? undefined };
}

function fieldsOf(metadata: Record<string, unknown>, mediaContentType: string | undefined): NewObject {
  const custom = metadata.metadata && typeof metadata.metadata === 'object' ? (metadata.metadata as Record<string, unknown>) : {};
  return {
    contentType: stringField(metadata.contentType) ?? mediaContentType,
    metadata: Object.fromEntries(Object.entries(custom).map(([key, value]) => [key, String(value)])),
    expectedMd5: stringField(metadata.md5Hash),
    expectedCrc32c: stringField(metadata.crc32c),
  };
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readRaw(req, 1024 * 1024)).toString('utf8');
  try {
    return raw.trim() ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    throw new GoogleApiError(400, 'Parse Error', 'parseError');
  }
}
