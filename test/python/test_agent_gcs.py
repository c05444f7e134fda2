"""The Cloud Storage client (resources/agent/src/agent/gcs.py) against a fake JSON API: the wire as Google documents it."""
import hashlib
import os
import tempfile
import unittest
from unittest import mock

from assembled_agent import import_modules
from fake_google import QUANTUM, FakeGoogle
from fake_http import serve

import_modules()
from agent import errors, gcp_metadata, gcs  # noqa: E402


class GcsClient(unittest.TestCase):
    def setUp(self):
        FakeGoogle.reset()
        self.url = serve(self, FakeGoogle)
        self.metadata = gcp_metadata.GcpMetadata({'gceMetadataHost': self.url})
        self.client = self.gcs()
        sleep = mock.patch.object(gcs.time, 'sleep')
        sleep.start()
        self.addCleanup(sleep.stop)

    def gcs(self, **cfg):
        return gcs.Gcs(dict({'bucket': 'ckpt', 'gcsEndpoint': self.url, 'uploadAttempts': 4}, **cfg), self.metadata)

    def storage_requests(self):
        return [r for r in FakeGoogle.requests if not r[1].startswith('/computeMetadata/')]

    def file_of(self, data):
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(data)
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_a_small_object_is_a_media_upload_with_the_token(self):
        self.client.put('sb/r/000001/manifest.json', b'{}', headers={'content-type': 'application/json'})
        method, path, query, headers, length = self.storage_requests()[0]
        self.assertEqual((method, path, query), ('POST', '/upload/storage/v1/b/ckpt/o', {'uploadType': 'media', 'name': 'sb/r/000001/manifest.json'}))
        self.assertEqual((headers['authorization'], headers['content-type'], length), ('Bearer token-1', 'application/json', 2))
        self.assertEqual(FakeGoogle.objects['sb/r/000001/manifest.json'], b'{}')

    def test_a_large_file_is_a_resumable_upload_in_chunks_of_256_kib_multiples(self):
        data = os.urandom(5 * QUANTUM + 1234)
        path = self.file_of(data)
        parts = []
        with mock.patch.object(gcs, 'PART', 2 * QUANTUM):
            sha, size = self.client.upload_large(path, 'sb/r/000001/files/model.pt', on_part=lambda: parts.append(1))
        self.assertEqual((sha, size), (hashlib.sha256(data).hexdigest(), len(data)))
        self.assertEqual(FakeGoogle.objects['sb/r/000001/files/model.pt'], data)
        start, *chunks = self.storage_requests()
        self.assertEqual((start[0], start[2]), ('POST', {'uploadType': 'resumable', 'name': 'sb/r/000001/files/model.pt'}))
        self.assertEqual(start[3]['x-upload-content-type'], 'application/octet-stream')
        self.assertEqual([(r[0], r[3]['content-range'], r[4]) for r in chunks], [
            ('PUT', 'bytes 0-524287/*', 2 * QUANTUM),
            ('PUT', 'bytes 524288-1048575/*', 2 * QUANTUM),
            ('PUT', 'bytes 1048576-1311953/1311954', QUANTUM + 1234),
        ])
        self.assertTrue(all(r[3]['authorization'] == 'Bearer token-1' for r in chunks))
        self.assertEqual(len(parts), 3)
        self.assertEqual(FakeGoogle.problems, [])

    def test_a_failed_chunk_asks_what_was_kept_and_goes_on_from_there(self):
        data = os.urandom(3 * QUANTUM)
        path = self.file_of(data)
        FakeGoogle.fail['upload'] = 1
        retries = []
        client = gcs.Gcs({'bucket': 'ckpt', 'gcsEndpoint': self.url, 'uploadAttempts': 4}, self.metadata, on_retry=lambda **kw: retries.append(kw))
        with mock.patch.object(gcs, 'PART', QUANTUM):
            client.upload_large(path, 'big')
        self.assertEqual(FakeGoogle.objects['big'], data)
        ranges = [r[3]['content-range'] for r in self.storage_requests() if r[0] == 'PUT']
        self.assertEqual(ranges, ['bytes 0-262143/*', 'bytes */*', 'bytes 0-262143/*', 'bytes 262144-524287/*', 'bytes 524288-786431/786432'])
        self.assertEqual(len(retries), 1)
        self.assertEqual(FakeGoogle.problems, [])

    def test_list_with_prefix_and_delimiter_over_pages(self):
        for name in ('sb/r/000001/manifest.json', 'sb/r/000002/started.json', 'sb/r/session.json', 'sb/r/handoff.json', 'sb/r/x.json', 'other/y'):
            FakeGoogle.objects[name] = b''
        FakeGoogle.page_size = 2
        keys, prefixes = self.client.list('sb/r/', '/')
        self.assertEqual((keys, prefixes), (['sb/r/handoff.json', 'sb/r/session.json', 'sb/r/x.json'], ['sb/r/000001/', 'sb/r/000002/']))
        lists = [r for r in self.storage_requests() if r[1] == '/storage/v1/b/ckpt/o']
        self.assertEqual([r[2] for r in lists], [{'prefix': 'sb/r/', 'delimiter': '/'}, {'prefix': 'sb/r/', 'delimiter': '/', 'pageToken': '2'}])

    def test_download_is_alt_media_with_a_range_and_none_when_missing(self):
        FakeGoogle.objects['sb/a b/c.pt'] = b'0123456789'
        self.assertEqual(self.client.get('sb/a b/c.pt'), b'0123456789')
        self.assertEqual(self.storage_requests()[0][1:3], ('/storage/v1/b/ckpt/o/sb%2Fa%20b%2Fc.pt', {'alt': 'media'}), 'the name escaped whole, slashes too')
        with mock.patch.object(gcs, 'PART', 4):
            self.assertEqual(self.client.get('sb/a b/c.pt', 4, 10), b'4567')
        self.assertEqual(self.storage_requests()[-1][3]['range'], 'bytes=4-7')
        self.assertIsNone(self.client.get('missing'))
        self.assertEqual(FakeGoogle.problems, [])

    def test_copy_and_delete(self):
        FakeGoogle.objects['a'] = b'x'
        self.client.copy('a', 'b')
        self.assertEqual(FakeGoogle.objects['b'], b'x')
        self.assertEqual(self.storage_requests()[0][1], '/storage/v1/b/ckpt/o/a/copyTo/b/ckpt/o/b')
        with self.assertRaises(errors.StoreError):
            self.client.copy('gone', 'c')
        self.client.delete(['a', 'b', 'never-there'])
        self.assertEqual(FakeGoogle.objects, {})

    def test_5xx_is_retried_and_a_refused_token_is_fetched_again_once(self):
        client = gcs.Gcs({'bucket': 'ckpt', 'gcsEndpoint': self.url, 'uploadAttempts': 3}, self.metadata)
        with mock.patch.object(gcs, 'http_call', side_effect=[(503, {}, b''), (401, {}, b''), (200, {}, b'ok')]) as call:
            self.assertEqual(client.call('GET', '/x')[2], b'ok')
        self.assertEqual(call.call_count, 3)
        self.assertEqual(FakeGoogle.token_requests, 2)
        with mock.patch.object(gcs, 'http_call', return_value=(403, {}, b'{"error":{"code":403,"message":"denied"}}')):
            with self.assertRaisesRegex(errors.StoreError, 'HTTP 403 denied'):
                client.call('GET', '/x')

    def test_the_storage_emulator_gets_no_token(self):
        with mock.patch.dict(os.environ, {'STORAGE_EMULATOR_HOST': self.url[len('http://'):]}):
            client = gcs.Gcs({'bucket': 'ckpt', 'uploadAttempts': 1}, self.metadata)
        client.put('k', b'v')
        self.assertNotIn('authorization', self.storage_requests()[0][3])
        self.assertEqual(FakeGoogle.token_requests, 0)
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(gcs.Gcs({'bucket': 'ckpt', 'uploadAttempts': 1}, self.metadata).origin, 'https://storage.googleapis.com')


if __name__ == '__main__':
    unittest.main()
