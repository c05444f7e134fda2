import * as assert from 'node:assert/strict';
import { BlobClient, BlobError } from '../../../src/core/azure/blobClient';

describe('BlobClient', () => {
  const requests: Array<{ method: string; url: string; headers: Headers }> = [];
  const answering = (replies: Array<{ status: number; body?: string; headers?: Record<string, string> }>): typeof fetch =>
    (async (url: string, init: RequestInit) => {
      requests.push({ method: String(init.method), url: String(url), headers: new Headers(init.headers) });
      const reply = replies.shift()!;
      return new Response(reply.body ?? null, { status: reply.status, headers: reply.headers ?? {} });
    }) as unknown as typeof fetch;
  beforeEach(() => (requests.length = 0));

  it('puts a block blob with a bearer token and a version that takes one, path-style for Azurite', async () => {
    const blob = new BlobClient({ endpoint: 'https://127.0.0.1:10000/devstoreaccount1/', credential: { token: async () => 'tok' }, fetch: answering([{ status: 201 }]) });
    await blob.putBlob('ckpt', 'lin 1/agent.py', Buffer.from('x'), { contentType: 'text/x-python' });
    assert.equal(requests[0].url, 'https://127.0.0.1:10000/devstoreaccount1/ckpt/lin%201/agent.py');
    assert.equal(requests[0].headers.get('authorization'), 'Bearer tok');
    assert.equal(requests[0].headers.get('x-ms-blob-type'), 'BlockBlob');
    assert.ok((requests[0].headers.get('x-ms-version') ?? '') >= '2017-11-09');
  });

  it('lists every page by NextMarker and reads Azure\'s error code', async () => {
    const page = (names: string[], next: string): string => `<?xml version="1.0"?><EnumerationResults><Blobs>${names.map((name) => `<Blob><Name>${name}</Name></Blob>`).join('')}</Blobs><NextMarker>${next}</NextMarker></EnumerationResults>`;
    const blob = new BlobClient({ endpoint: 'https://acct.blob.core.windows.net', credential: { token: async () => 't' }, fetch: answering([{ status: 200, body: page(['a/1', 'a/&amp;2'], 'm1') }, { status: 200, body: page(['a/3'], '') }, { status: 403, body: '<Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized.\nRequestId:1</Message></Error>' }]) });
    assert.deepEqual(await blob.listBlobs('c', 'a/'), ['a/1', 'a/&2', 'a/3']);
    assert.match(requests[1].url, /marker=m1/);
    const error = await blob.getBlob('c', 'x').catch((e: unknown) => e);
    assert.ok(error instanceof BlobError);
    assert.equal(error.code, 'AuthorizationPermissionMismatch');
    assert.match(error.message, /This request is not authorized\.$/);
  });
});
