import { abortableSleep, isTransientFetchError } from '../network/fetchRetry';
import type { ArmTokenSource } from './armHttp';

/** A REST version that takes bearer tokens (2017-11-09 or later) and that Azurite 3.35 serves. */
export const BLOB_API_VERSION = '2021-08-06';

export class BlobError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'BlobError';
  }
}

export interface BlobClientOptions {
  /** The account's Blob endpoint: `https://<account>.blob.core.windows.net`, or Azurite's path-style `https://127.0.0.1:10000/devstoreaccount1`. */
  readonly endpoint: string;
  /** Tokens for `https://storage.azure.com/.default` (the user's, or the box's managed identity's). */
  readonly credential: ArmTokenSource;
  readonly fetch?: typeof fetch;
  readonly maxAttempts?: number;
}

/**
 * The few Blob calls the editor makes (the agent's files for a box's bootstrap; the checkpoint
 * listing for restores), with Microsoft Entra tokens: Put Blob, Get Blob, List Blobs, Delete Blob.
 * Big uploads are the agent's (Put Block in parallel + Put Block List, on the box).
 */
export class BlobClient {
  constructor(private readonly options: BlobClientOptions) {}

  get endpoint(): string {
    return this.options.endpoint.replace(/\/+$/, '');
  }

  url(container: string, name?: string): string {
    return `${this.endpoint}/${encodeURIComponent(container)}${name !== undefined ? `/${name.split('/').map(encodeURIComponent).join('/')}` : ''}`;
  }

  async putBlob(container: string, name: string, body: Buffer, options: { contentType?: string; signal?: AbortSignal } = {}): Promise<void> {
    await this.send('PUT', this.url(container, name), { body, headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': options.contentType ?? 'application/octet-stream' }, ok: [201], ...(options.signal ? { signal: options.signal } : {}) });
  }

  async getBlob(container: string, name: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    const response = await this.send('GET', this.url(container, name), { ok: [200, 404], ...(signal ? { signal } : {}) });
    return response.status === 404 ? undefined : Buffer.from(await response.arrayBuffer());
  }

  async deleteBlob(container: string, name: string, signal?: AbortSignal): Promise<void> {
    await this.send('DELETE', this.url(container, name), { ok: [202, 404], ...(signal ? { signal } : {}) });
  }

  /** Blob names under `prefix`, every page (List Blobs' `NextMarker`). */
  async listBlobs(container: string, prefix: string, signal?: AbortSignal): Promise<string[]> {
    const names: string[] = [];
    let marker = '';
    for (let page = 0; page < 1000; page++) {
      const query = new URLSearchParams({ restype: 'container', comp: 'list', prefix, ...(marker ? { marker } : {}) });
      const response = await this.send('GET', `${this.url(container)}?${query.toString()}`, { ok: [200], ...(signal ? { signal } : {}) });
      const xml = await response.text();
      names.push(...[...xml.matchAll(/<Blob>[\s\S]*?<Name>([\s\S]*?)<\/Name>/g)].map((match) => decodeXml(match[1])));
      marker = decodeXml(/<NextMarker>([\s\S]*?)<\/NextMarker>/.exec(xml)?.[1] ?? '');
      if (!marker) return names;
    }
    return names;
  }

  private async send(method: string, url: string, request: { body?: Buffer; headers?: Record<string, string>; ok: readonly number[]; signal?: AbortSignal }): Promise<Response> {
    const attempts = this.options.maxAttempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      request.signal?.throwIfAborted();
      let response: Response;
      try {
        const headers = new Headers({ ...request.headers, authorization: `Bearer ${await this.options.credential.token(request.signal)}`, 'x-ms-version': BLOB_API_VERSION, 'x-ms-date': new Date().toUTCString() });
        const timeout = AbortSignal.timeout(120_000);
        response = await (this.options.fetch ?? fetch)(url, { method, headers, ...(request.body ? { body: request.body as unknown as BodyInit } : {}), signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout });
      } catch (error) {
        if (attempt >= attempts || request.signal?.aborted || !isTransientFetchError(error)) throw error;
        await abortableSleep(500 * 2 ** (attempt - 1), request.signal);
        continue;
      }
      if (request.ok.includes(response.status)) return response;
      const text = await response.text();
      const code = response.headers.get('x-ms-error-code') ?? /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP${response.status}`;
      const message = /<Message>([\s\S]*?)<\/Message>/.exec(text)?.[1]?.split('\n')[0] ?? text.slice(0, 200);
      if (attempt >= attempts || !(response.status === 429 || response.status >= 500)) throw new BlobError(response.status, code, `${method} ${new URL(url).pathname}: ${code}: ${message}`);
      await abortableSleep(500 * 2 ** (attempt - 1), request.signal);
    }
  }
}

function decodeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
