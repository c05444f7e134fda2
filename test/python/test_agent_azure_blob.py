"""The Azure Blob storage client (resources/agent/src/agent/blob.py), against a fake Blob service on the wire: Put
Blob, blocks in parallel then Put Block List, List Blobs pages, ranged Get Blob, Copy Blob, Delete, errors, retries."""
import base64
import concurrent.futures as cf
import hashlib
import os
import tempfile
import threading
import unittest

from assembled_agent import import_modules
from fake_azure import FakeAzure
from fake_http import serve

import_modules()
from agent import azure_metadata, blob, errors  # noqa: E402


class BlobTest(unittest.TestCase):
    def setUp(self):
        FakeAzure.reset()
        self.url = serve(self, FakeAzure)
        self.retries = []
        self.metadata = azure_metadata.AzureMetadata({'imdsEndpoint': self.url}, sleep=lambda s: None)
        self.store = self.client()

    def client(self, **cfg):
        return blob.Blob(dict({'blobEndpoint': self.url + '/devstoreaccount1', 'container': 'ckpt', 'uploadAttempts': 3}, **cfg), self.metadata,
                         lambda **kw: self.retries.append(kw))

    def blob_requests(self):
        return [r for r in FakeAzure.requests if r[1].startswith('/devstoreaccount1/')]

    def test_put_get_with_ranges_and_delete(self):
        self.store.put('sb/run 1/a+b.txt', b'hello world', headers={'content-type': 'text/plain'})
        self.assertEqual(FakeAzure.objects['sb/run 1/a+b.txt'], b'hello world')
        put = self.blob_requests()[-1]
        self.assertEqual(put[1], '/devstoreaccount1/ckpt/sb/run%201/a%2Bb.txt')
        self.assertEqual((put[3]['x-ms-blob-type'], put[3]['content-type'], put[3]['authorization']), ('BlockBlob', 'text/plain', 'Bearer token-1'))
        self.assertEqual(self.store.get('sb/run 1/a+b.txt'), b'hello world')
        self.assertEqual(self.store.get('sb/run 1/a+b.txt', 6, 11), b'world')
        self.assertEqual(self.blob_requests()[-1][3]['x-ms-range'], 'bytes=6-10')
        self.assertIsNone(self.store.get('missing'))
        self.store.delete(['sb/run 1/a+b.txt', 'missing'])
        self.assertEqual(FakeAzure.objects, {})
        self.assertEqual(FakeAzure.token_requests, 1, 'one token for every request')
        self.assertEqual(self.store.where('k'), self.url + '/devstoreaccount1/ckpt/k')
        self.assertEqual(FakeAzure.problems, [])

    def test_lists_every_page_with_prefixes(self):
        for name in ['sb/s/000001/started.json', 'sb/s/000002/started.json', 'sb/s/000003/x', 'sb/s/session.json', 'sb/s/t.json', 'other/z']:
            FakeAzure.objects[name] = b'x'
        FakeAzure.page_size = 2
        names, prefixes = self.store.list('sb/s/', '/')
        self.assertEqual(names, ['sb/s/session.json', 'sb/s/t.json'])
        self.assertEqual(prefixes, ['sb/s/000001/', 'sb/s/000002/', 'sb/s/000003/'])
        lists = [r[2] for r in self.blob_requests()]
        self.assertEqual(len(lists), 3)
        self.assertEqual((lists[0]['restype'], lists[0]['comp'], lists[0]['delimiter']), ('container', 'list', '/'))
        self.assertNotIn('marker', lists[0])
        self.assertEqual(lists[1]['marker'], 'sb/s/000002/')
        self.assertEqual(self.store.list('sb/')[0], sorted(n for n in FakeAzure.objects if n.startswith('sb/')))

    def test_a_large_file_goes_as_parallel_blocks_then_the_block_list_in_order(self):
        data = os.urandom(5 * 1000 + 3)
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            original, blob.PART = blob.PART, 1000
            try:
                parts = []
                with cf.ThreadPoolExecutor(4) as pool:
                    sha, size = self.store.upload_large(f.name, 'big.bin', pool, threading.BoundedSemaphore(4), lambda: parts.append(1))
            finally:
                blob.PART = original
        self.assertEqual((size, len(parts)), (len(data), 6))
        self.assertEqual(FakeAzure.objects['big.bin'], data)
        self.assertEqual(sha, hashlib.sha256(data).hexdigest())
        blocks = [r for r in self.blob_requests() if r[2].get('comp') == 'block']
        self.assertEqual(len(blocks), 6)
        self.assertEqual(len(set(len(base64.b64decode(r[2]['blockid'])) for r in blocks)), 1, 'block ids of one length')
        self.assertEqual(self.blob_requests()[-1][2], {'comp': 'blocklist'}, 'the block list last')
        self.assertEqual(FakeAzure.problems, [])

    def test_copy_waits_for_a_pending_copy_to_succeed(self):
        FakeAzure.objects['a'] = b'abc'
        FakeAzure.copy_pending = 2
        original, blob.COPY_POLL = blob.COPY_POLL, 0.01
        try:
            self.store.copy('a', 'b/c')
        finally:
            blob.COPY_POLL = original
        self.assertEqual(FakeAzure.objects['b/c'], b'abc')
        copy = [r for r in self.blob_requests() if r[0] == 'PUT'][0]
        self.assertEqual(copy[3]['x-ms-copy-source'], self.url + '/devstoreaccount1/ckpt/a')
        self.assertEqual(len([r for r in self.blob_requests() if r[0] == 'HEAD']), 2)

    def test_a_refused_copy_is_a_store_error_with_azures_code(self):
        with self.assertRaises(errors.StoreError) as caught:
            self.store.copy('gone', 'b')
        self.assertEqual((caught.exception.status, caught.exception.code), (404, 'CannotVerifyCopySource'))

    def test_errors_carry_azures_code_and_a_missing_container_is_not_a_missing_blob(self):
        with self.assertRaisesRegex(errors.StoreError, 'HTTP 404 ContainerNotFound'):
            self.client(container='nope').get('k')
        FakeAzure.fail['blob'] = [403]
        with self.assertRaisesRegex(errors.StoreError, 'HTTP 403'):
            self.store.put('k', b'x')
        self.assertEqual(self.retries, [], 'a refusal is not retried')

    def test_server_busy_is_retried_and_a_401_fetches_a_new_token_once(self):
        FakeAzure.fail['blob'] = [503, 500]
        self.store.put('k', b'x')
        self.assertEqual([r['attempt'] for r in self.retries], [1, 2])
        self.assertIn('ServerBusy', self.retries[0]['error'])
        FakeAzure.fail['blob'] = [401]
        self.store.put('k', b'y')
        self.assertEqual(FakeAzure.token_requests, 2)
        self.assertEqual(self.blob_requests()[-1][3]['authorization'], 'Bearer token-2')
        FakeAzure.fail['blob'] = [503] * 3
        with self.assertRaisesRegex(errors.Fail, 'failed after 3 attempt'):
            self.store.put('k', b'z')


if __name__ == '__main__':
    unittest.main()
