"""The S3 client (resources/agent/src/agent/s3.py) against a fake S3: copies, multipart uploads, retries; and the part
and page loops it shares with the Cloud Storage and Blob storage clients."""
import concurrent.futures as cf
import hashlib
import os
import tempfile
import threading
import unittest
import urllib.parse
from unittest import mock

from assembled_agent import import_modules
from fake_http import QuietHandler, serve

import_modules()
from agent import errors, s3  # noqa: E402


class Keys:
    """The keys and account an IMDS would give."""
    warn = None

    def credentials(self):
        return 'AKID', 'secret', None

    def account(self):
        return None


class FakeS3(QuietHandler):
    requests = []
    parts = {}
    fail_next = 0

    def record(self):
        body = self.rfile.read(int(self.headers.get('content-length') or 0))
        url = urllib.parse.urlsplit(self.path)
        FakeS3.requests.append((self.command, url.path, dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)), dict((k.lower(), v) for k, v in self.headers.items()), body))
        return url, dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)), body

    def do_PUT(self):
        _, query, body = self.record()
        if FakeS3.fail_next:
            FakeS3.fail_next -= 1
            return self.reply(503, b'<Error><Code>SlowDown</Code></Error>')
        if 'partNumber' in query:
            FakeS3.parts[int(query['partNumber'])] = body
            self.send_response(200)
            self.send_header('ETag', '"etag-%s"' % query['partNumber'])
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        self.reply(200, b'')

    def do_POST(self):
        _, query, _ = self.record()
        if 'uploads' in query:
            return self.reply(200, b'<InitiateMultipartUploadResult><UploadId>up-1</UploadId></InitiateMultipartUploadResult>')
        self.reply(200, b'<CompleteMultipartUploadResult></CompleteMultipartUploadResult>')

    def do_GET(self):
        self.record()
        self.reply(404, b'<Error><Code>NoSuchKey</Code></Error>')

    def do_DELETE(self):
        self.record()
        self.reply(204)


class S3Client(unittest.TestCase):
    def setUp(self):
        FakeS3.requests, FakeS3.parts, FakeS3.fail_next = [], {}, 0
        url = serve(self, FakeS3)
        self.s3 = s3.S3({'bucket': 'ckpt', 's3Endpoint': url, 'uploadAttempts': 3, 'region': 'us-east-1'}, Keys())

    def test_copy_names_the_source_in_this_bucket(self):
        self.s3.copy('sb/r/000001/files/a b.pt', 'sb/r/000002/files/a b.pt')
        method, path, _, headers, _ = FakeS3.requests[0]
        self.assertEqual((method, path), ('PUT', '/ckpt/sb/r/000002/files/a%20b.pt'))
        self.assertEqual(headers['x-amz-copy-source'], '/ckpt/sb/r/000001/files/a%20b.pt')
        self.assertIn('AWS4-HMAC-SHA256 Credential=AKID/', headers['authorization'])

    def test_upload_large_sends_parts_and_completes_them_in_order(self):
        data = bytes(range(256)) * 40
        path = self.tmpfile(data)
        parts_done = []
        with mock.patch.object(s3, 'PART', 4096), cf.ThreadPoolExecutor(4) as pool:
            sha, size = self.s3.upload_large(path, 'sb/big.bin', pool, threading.BoundedSemaphore(2), lambda: parts_done.append(1))
        self.assertEqual((sha, size), (hashlib.sha256(data).hexdigest(), len(data)))
        self.assertEqual(b''.join(FakeS3.parts[n] for n in sorted(FakeS3.parts)), data)
        self.assertEqual(len(parts_done), 3)
        complete = FakeS3.requests[-1]
        self.assertEqual((complete[0], complete[2]), ('POST', {'uploadId': 'up-1'}))
        self.assertIn(b'<PartNumber>3</PartNumber><ETag>"etag-3"</ETag>', complete[4])

    def test_a_5xx_is_retried_and_a_4xx_is_not(self):
        FakeS3.fail_next = 1
        with mock.patch.object(s3.time, 'sleep'):
            self.s3.put('k', b'v')
        self.assertEqual(len(FakeS3.requests), 2)
        with self.assertRaisesRegex(errors.StoreError, 'HTTP 404 NoSuchKey'):
            self.s3.call('GET', 'missing')
        self.assertEqual(len(FakeS3.requests), 3)
        self.assertIsNone(self.s3.get('missing'), 'get answers None for a missing key')

    def tmpfile(self, data):
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(data)
        self.addCleanup(os.unlink, f.name)
        return f.name


class InlinePool:
    """An executor that runs each job as it is submitted, so that a failed part is done before the next read."""

    def submit(self, fn, *args):
        future = cf.Future()
        try:
            future.set_result(fn(*args))
        except Exception as e:
            future.set_exception(e)
        return future


class SharedLoops(unittest.TestCase):
    def tmpfile(self, data):
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(data)
        self.addCleanup(os.unlink, f.name)
        return f.name

    def assert_all_slots_free(self, slots, count):
        for _ in range(count):
            self.assertTrue(slots.acquire(blocking=False), 'every slot released')
        self.assertFalse(slots.acquire(blocking=False))

    def test_send_parts_answers_the_results_in_file_order_and_frees_every_slot(self):
        data = os.urandom(4 * 100)
        slots, sent = threading.BoundedSemaphore(3), []

        def send_part(number, chunk):
            # The first parts finish last: the results still come in file order.
            threading.Event().wait(0.01 * (5 - number))
            sent.append((number, chunk))
            return number
        with cf.ThreadPoolExecutor(4) as pool:
            results, sha, size = s3.send_parts(self.tmpfile(data), 100, pool, slots, send_part)
        self.assertEqual(results, [1, 2, 3, 4])
        self.assertEqual((sha, size), (hashlib.sha256(data).hexdigest(), len(data)))
        self.assertEqual(b''.join(chunk for _, chunk in sorted(sent)), data)
        self.assert_all_slots_free(slots, 3)

    def test_send_parts_stops_reading_after_a_failed_part_and_raises_its_error(self):
        slots, sent = threading.BoundedSemaphore(2), []

        def send_part(number, chunk):
            sent.append(number)
            if number == 2:
                raise errors.Fail('part 2 refused')
            return number
        with self.assertRaisesRegex(errors.Fail, 'part 2 refused'):
            s3.send_parts(self.tmpfile(b'x' * 50), 10, InlinePool(), slots, send_part)
        self.assertEqual(sent, [1, 2], 'no part read after the failure')
        self.assert_all_slots_free(slots, 2)

    def test_every_page_follows_the_tokens_until_none(self):
        pages = {None: (['a'], ['p/'], 't1'), 't1': ([], ['q/'], 't2'), 't2': (['b', 'c'], [], None)}
        asked = []

        def page(token):
            asked.append(token)
            return pages[token]
        self.assertEqual(s3.every_page(page), (['a', 'b', 'c'], ['p/', 'q/']))
        self.assertEqual(asked, [None, 't1', 't2'])


if __name__ == '__main__':
    unittest.main()
