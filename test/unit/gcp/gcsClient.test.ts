import { createHash } from 'node:crypto';
import * as assert from 'node:assert/strict';
import { SpotboxError } from '../../../src/core/errors';
import { readGcloudConfig } from '../../../src/core/gcp/gcloudConfig';
import { GcsClient } from '../../../src/core/gcp/gcsClient';
import { FakeGoogle, googleError, testHttp } from './fakeGoogle';

const manifest = {
  version: 1,
  session: 'S1',
  seq: 7,
  createdAt: '2026-12-07T03:00:00Z',
  reason: 'periodic',
  sourceInstance: '1234',
  files: [],
};

describe('GcsClient (JSON API wire format; STORAGE_EMULATOR_HOST decides where it goes)', () => {
  let google: FakeGoogle;
  let gcs: GcsClient;

  beforeEach(async () => {
    google = await new FakeGoogle().start();
    // As Google's client libraries do: STORAGE_EMULATOR_HOST is the root of the JSON and upload APIs.
    const { endpoints } = readGcloudConfig({ env: { CLOUDSDK_CONFIG: '/nonexistent', STORAGE_EMULATOR_HOST: google.url }, readFile: () => undefined });
    gcs = new GcsClient({ http: testHttp().http, endpoint: endpoints.storage, uploadEndpoint: endpoints.storageUpload, pageSize: 2 });
  });
  afterEach(() => google.close());

  it('lists by prefix with a delimiter, following nextPageToken', async () => {
    google.route((request) => {
      if (request.method !== 'GET' || request.path !== '/storage/v1/b/ckpts/o') return undefined;
      return request.query.get('pageToken') === 't2'
        ? { body: { kind: 'storage#objects', prefixes: ['spotbox/S1/000008/'] } }
        : { body: { kind: 'storage#objects', items: [{ name: 'spotbox/S1/session.json', generation: '17' }], prefixes: ['spotbox/S1/000007/'], nextPageToken: 't2' } };
    });
    const listing = await gcs.list('ckpts', 'spotbox/S1/', { delimiter: '/' });
    assert.deepEqual(listing, { objects: [{ name: 'spotbox/S1/session.json', generation: '17' }], prefixes: ['spotbox/S1/000007/', 'spotbox/S1/000008/'] });
    assert.deepEqual(
      google.requests.map((request) => [...request.query]),
      [
        [
          ['prefix', 'spotbox/S1/'],
          ['delimiter', '/'],
          ['maxResults', '2'],
        ],
        [
          ['prefix', 'spotbox/S1/'],
          ['delimiter', '/'],
          ['pageToken', 't2'],
          ['maxResults', '2'],
        ],
      ],
    );
  });

  it('reads a manifest with alt=media, the object name as one escaped segment; a missing one is a problem, not an error', async () => {
    google.on('GET', '/storage/v1/b/ckpts/o/spotbox%2FS1%2F000007%2Fmanifest.json', { body: manifest });
    const found = await gcs.readManifest({ bucket: 'ckpts', prefix: 'spotbox' }, 'S1', 7);
    assert.equal(google.requests[0].query.get('alt'), 'media');
    assert.deepEqual(found, { manifest });
    const missing = await gcs.readManifest({ bucket: 'ckpts', prefix: 'spotbox' }, 'S1', 8);
    assert.deepEqual(missing, { problem: 'gs://ckpts/spotbox/S1/000008/manifest.json does not exist (an upload that failed or is still running)' });
  });

  it('uploads with uploadType=media and ifGenerationMatch=0 to the upload root; a 412 says it was not overwritten', async () => {
    google.on('POST', '/upload/storage/v1/b/ckpts/o', { body: { name: 'spotbox/L1/boot/tools.py', generation: '1733540000000001' } }, googleError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet'));
    const stored = await gcs.upload('ckpts', 'spotbox/L1/boot/tools.py', 'print(1)\n', { contentType: 'text/x-python' });
    assert.equal(stored.generation, '1733540000000001');
    const [request] = google.requests;
    assert.deepEqual(Object.fromEntries(request.query), { uploadType: 'media', name: 'spotbox/L1/boot/tools.py', ifGenerationMatch: '0' });
    assert.equal(request.headers['content-type'], 'text/x-python');
    assert.equal(request.headers.authorization, 'Bearer test-token');
    assert.equal(request.body.toString('utf8'), 'print(1)\n');
    google.on('GET', '/storage/v1/b/ckpts/o/spotbox%2FL1%2Fboot%2Ftools.py', { body: { name: 'spotbox/L1/boot/tools.py', generation: '1733540000000001', md5Hash: createHash('md5').update('print(1)\n').digest('base64') } });
    await assert.rejects(gcs.upload('ckpts', 'spotbox/L1/boot/tools.py', 'x'), (error: unknown) => error instanceof SpotboxError && /already exists; it was not overwritten/.test(error.message));
    // The same bytes already there (a retry whose first attempt landed): that object is the answer.
    assert.equal((await gcs.upload('ckpts', 'spotbox/L1/boot/tools.py', 'print(1)\n')).generation, '1733540000000001');
  });

  it('deletes a prefix object by object, each at the generation listed', async () => {
    google.on('GET', '/storage/v1/b/ckpts/o', { body: { items: [{ name: 'spotbox/L1/a', generation: '1' }, { name: 'spotbox/L1/b', generation: '2' }, { name: 'spotbox/L1/c', generation: '3' }] } });
    google.route((request) => (request.method === 'DELETE' ? (request.path.endsWith('%2Fb') ? googleError(404, 'No such object', 'notFound') : { status: 204 }) : undefined));
    assert.equal(await gcs.deletePrefix('ckpts', 'spotbox/L1/'), 2);
    const deletes = google.requests.filter((request) => request.method === 'DELETE').map((request) => `${request.path}?${request.query.toString()}`);
    assert.deepEqual(deletes.sort(), ['/storage/v1/b/ckpts/o/spotbox%2FL1%2Fa?ifGenerationMatch=1', '/storage/v1/b/ckpts/o/spotbox%2FL1%2Fb?ifGenerationMatch=2', '/storage/v1/b/ckpts/o/spotbox%2FL1%2Fc?ifGenerationMatch=3']);
    await assert.rejects(gcs.deletePrefix('ckpts', '/'), /Refusing to delete a whole bucket/);
  });
});
