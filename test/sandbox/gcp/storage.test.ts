/**
 * Cloud Storage's JSON API round trips: the three upload types (resumable in 256 KiB chunks),
 * listing with prefix/delimiter/pages, metadata with md5Hash and crc32c, downloads, preconditions,
 * compose and delete; objects kept on disk across a restart of the emulator.
 */
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { AccessTokens } from '../../../sandbox/gcp/auth/accessTokens';
import { crc32c, crc32cBase64 } from '../../../sandbox/gcp/storage/crc32c';
import { StorageEmulator } from '../../../sandbox/gcp/storage/storageServer';
import { newTempDir } from './gcpHarness';

describe('sandbox GCP: Cloud Storage JSON API', function () {
  this.timeout(60_000);
  let directory = '';
  let tokens: AccessTokens;
  let storage: StorageEmulator;
  let base = '';
  let token = '';

  const start = async (): Promise<void> => {
    storage = new StorageEmulator({ directory: path.join(directory, 'gcs'), tokens, project: 'spotbox-sandbox', projectNumber: '318846218846', buckets: ['ckpt'] });
    base = (await storage.start()).url;
  };

  before(async () => {
    directory = newTempDir('spotbox-gcs-');
    tokens = new AccessTokens();
    token = tokens.issue('tester@spotbox-sandbox.iam.gserviceaccount.com', ['https://www.googleapis.com/auth/devstorage.read_write']).token;
    await start();
  });

  after(async () => {
    await storage.stop();
  });

  const call = async (method: string, url: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }> => {
    const response = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...headers }, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  it('uploads with media and multipart, with md5Hash and crc32c as GCS computes them', async () => {
    const data = Buffer.from('step 100\n');
    const media = await call('POST', '/upload/storage/v1/b/ckpt/o?uploadType=media&name=runs%2Fa%2Fstep.txt', data, { 'content-type': 'text/plain' });
    assert.equal(media.status, 200, media.text);
    const object = media.json();
    assert.equal(object.kind, 'storage#object');
    assert.equal(object.name, 'runs/a/step.txt');
    assert.equal(object.size, String(data.length));
    assert.equal(object.contentType, 'text/plain');
    assert.equal(object.md5Hash, createHash('md5').update(data).digest('base64'));
    assert.equal(object.crc32c, crc32cBase64(crc32c(data)));
    // The CRC32C check value of "123456789" is 0xE3069283.
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.match(String(object.generation), /^\d+$/);

    const boundary = 'spotbox-boundary';
    const payload = Buffer.from(randomBytes(1000));
    const multipartBody = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify({ name: 'runs/a/manifest.json', metadata: { step: '100' }, md5Hash: createHash('md5').update(payload).digest('base64') })}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`),
      payload,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const multipart = await call('POST', '/upload/storage/v1/b/ckpt/o?uploadType=multipart', multipartBody, { 'content-type': `multipart/related; boundary=${boundary}` });
    assert.equal(multipart.status, 200, multipart.text);
    assert.deepEqual(multipart.json().metadata, { step: '100' });
    const download = await call('GET', '/storage/v1/b/ckpt/o/runs%2Fa%2Fmanifest.json?alt=media');
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('x-goog-hash'), `crc32c=${crc32cBase64(crc32c(payload))},md5=${createHash('md5').update(payload).digest('base64')}`);

    const badMd5 = Buffer.from(multipartBody.toString('latin1').replace(/"md5Hash":"[^"]+"/, '"md5Hash":"AAAAAAAAAAAAAAAAAAAAAA=="'), 'latin1');
    const refused = await call('POST', '/upload/storage/v1/b/ckpt/o?uploadType=multipart', badMd5, { 'content-type': `multipart/related; boundary=${boundary}` });
    assert.equal(refused.status, 400);
  });

  it('takes a resumable upload in 256 KiB chunks, answering 308 with Range until the last', async () => {
    const data = randomBytes(256 * 1024 * 2 + 1234);
    const opened = await call('POST', '/upload/storage/v1/b/ckpt/o?uploadType=resumable', JSON.stringify({ name: 'runs/a/model.pt' }), { 'content-type': 'application/json', 'x-upload-content-type': 'application/octet-stream' });
    assert.equal(opened.status, 200, opened.text);
    const session = new URL(opened.headers.get('location')!);
    const put = (first: number, last: number, total: string): Promise<Response> =>
      fetch(session, { method: 'PUT', headers: { 'content-range': `bytes ${first}-${last}/${total}` }, body: data.subarray(first, last + 1) });
    const chunk = 256 * 1024;
    const first = await put(0, chunk - 1, '*');
    assert.equal(first.status, 308);
    assert.equal(first.headers.get('range'), `bytes=0-${chunk - 1}`);
    const uneven = await fetch(session, { method: 'PUT', headers: { 'content-range': `bytes ${chunk}-${chunk + 99}/*` }, body: data.subarray(chunk, chunk + 100) });
    assert.equal(uneven.status, 400, 'a non-final chunk must be a multiple of 256 KiB');
    const second = await put(chunk, 2 * chunk - 1, '*');
    assert.equal(second.status, 308);
    const status = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes */*' } });
    assert.equal(status.headers.get('range'), `bytes=0-${2 * chunk - 1}`);
    const last = await put(2 * chunk, data.length - 1, String(data.length));
    assert.equal(last.status, 200);
    const object = (await last.json()) as Record<string, string>;
    assert.equal(object.size, String(data.length));
    assert.equal(object.md5Hash, createHash('md5').update(data).digest('base64'));
    const download = await fetch(`${base}/download/storage/v1/b/ckpt/o/${encodeURIComponent('runs/a/model.pt')}?alt=media`, { headers: { authorization: `Bearer ${token}` } });
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(data));
  });

  it('lists with prefix, delimiter (prefixes) and pages', async () => {
    await call('POST', '/upload/storage/v1/b/ckpt/o?uploadType=media&name=runs%2Fb%2Fstep.txt', 'x');
    await call('POST', '/upload/storage/v1/b/ckpt/o?uploadType=media&name=top.txt', 'x');
    const folded = (await call('GET', '/storage/v1/b/ckpt/o?prefix=runs%2F&delimiter=%2F')).json();
    assert.deepEqual(folded.prefixes, ['runs/a/', 'runs/b/']);
    assert.equal(folded.items, undefined);
    const inA = (await call('GET', '/storage/v1/b/ckpt/o?prefix=runs%2Fa%2F')).json();
    assert.deepEqual((inA.items as Array<{ name: string }>).map((item) => item.name), ['runs/a/manifest.json', 'runs/a/model.pt', 'runs/a/step.txt']);
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = (await call('GET', `/storage/v1/b/ckpt/o?maxResults=2${pageToken ? `&pageToken=${pageToken}` : ''}`)).json();
      names.push(...((page.items ?? []) as Array<{ name: string }>).map((item) => item.name));
      pageToken = page.nextPageToken as string | undefined;
    } while (pageToken);
    assert.deepEqual(names, ['runs/a/manifest.json', 'runs/a/model.pt', 'runs/a/step.txt', 'runs/b/step.txt', 'top.txt']);
  });

  it('honours ifGenerationMatch (0: only if absent), composes up to 32 objects, deletes', async () => {
    const again = await call('POST', '/upload/storage/v1/b/ckpt/o?uploadType=media&name=top.txt&ifGenerationMatch=0', 'y');
    assert.equal(again.status, 412);
    assert.equal((again.json().error as { errors: Array<{ reason: string }> }).errors[0].reason, 'conditionNotMet');
    const current = (await call('GET', '/storage/v1/b/ckpt/o/top.txt')).json();
    const replaced = await call('POST', `/upload/storage/v1/b/ckpt/o?uploadType=media&name=top.txt&ifGenerationMatch=${String(current.generation)}`, 'y');
    assert.equal(replaced.status, 200);
    assert.ok(BigInt(String(replaced.json().generation)) > BigInt(String(current.generation)));

    for (const index of [0, 1]) {
      await call('POST', `/upload/storage/v1/b/ckpt/o?uploadType=media&name=part-${index}`, `part${index};`);
    }
    const composed = await call('POST', '/storage/v1/b/ckpt/o/whole/compose', JSON.stringify({ sourceObjects: [{ name: 'part-0' }, { name: 'part-1' }], destination: { contentType: 'text/plain' } }), { 'content-type': 'application/json' });
    assert.equal(composed.status, 200, composed.text);
    assert.equal(composed.json().componentCount, 2);
    assert.equal(composed.json().md5Hash, undefined, 'composite objects have no md5Hash');
    assert.equal((await call('GET', '/storage/v1/b/ckpt/o/whole?alt=media')).text, 'part0;part1;');
    const tooMany = await call('POST', '/storage/v1/b/ckpt/o/whole/compose', JSON.stringify({ sourceObjects: Array.from({ length: 33 }, () => ({ name: 'part-0' })) }), { 'content-type': 'application/json' });
    assert.equal(tooMany.status, 400);

    assert.equal((await call('DELETE', '/storage/v1/b/ckpt/o/whole')).status, 204);
    assert.equal((await call('GET', '/storage/v1/b/ckpt/o/whole')).status, 404);
  });

  it('needs a token, knows its buckets, and keeps objects across a restart', async () => {
    const anonymous = await fetch(`${base}/storage/v1/b/ckpt/o`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { code: number } }).error.code, 401);
    assert.equal((await call('GET', '/storage/v1/b/ckpt')).json().kind, 'storage#bucket');
    assert.equal((await call('GET', '/storage/v1/b/missing')).status, 404);
    assert.equal((await call('POST', '/storage/v1/b?project=spotbox-sandbox', JSON.stringify({ name: 'second-bucket' }), { 'content-type': 'application/json' })).status, 200);
    assert.equal((await call('POST', '/storage/v1/b?project=spotbox-sandbox', JSON.stringify({ name: 'second-bucket' }), { 'content-type': 'application/json' })).status, 409);

    await storage.stop();
    await start();
    assert.equal((await call('GET', '/storage/v1/b/ckpt/o/runs%2Fa%2Fstep.txt?alt=media')).text, 'step 100\n');
    assert.equal((await call('GET', '/storage/v1/b/second-bucket')).status, 200);
  });
});
