"""The agent's S3 requests expect the box's own account to own the bucket (x-amz-expected-bucket-owner, signed)."""
import json
import os
import unittest
from unittest import mock

from assembled_agent import import_agent

agent = import_agent()
from fake_http import QuietHandler, serve  # noqa: E402

LISTING = b'<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'


class FakeCloud(QuietHandler):
    """IMDSv2 (token, identity document) and S3 on one port; S3 requests are kept for the test."""
    document = None
    requests = []

    def do_PUT(self):
        self.rfile.read(int(self.headers.get('content-length') or 0))
        if self.path == '/latest/api/token':
            return self.reply(200, b'token')
        FakeCloud.requests.append(('PUT', self.path, dict((k.lower(), v) for k, v in self.headers.items())))
        self.reply(200, b'<CopyObjectResult></CopyObjectResult>')

    def do_GET(self):
        if self.path == '/latest/dynamic/instance-identity/document':
            doc = FakeCloud.document
            return self.reply(404) if doc is None else self.reply(200, json.dumps(doc).encode())
        FakeCloud.requests.append(('GET', self.path, dict((k.lower(), v) for k, v in self.headers.items())))
        self.reply(200, LISTING)


class ExpectedBucketOwnerTest(unittest.TestCase):
    def setUp(self):
        url = serve(self, FakeCloud)
        self.cfg = {'imdsEndpoint': url, 's3Endpoint': url, 'bucket': 'ckpt', 'region': 'us-east-1', 'uploadAttempts': 1}
        FakeCloud.requests = []
        env = mock.patch.dict(os.environ, {'AWS_ACCESS_KEY_ID': 'AKIDEXAMPLE', 'AWS_SECRET_ACCESS_KEY': 'secret'})
        env.start()
        self.addCleanup(env.stop)

    def s3(self, warnings):
        metadata = agent.Metadata(self.cfg)
        metadata.warn = lambda **kw: warnings.append(kw)
        return agent.S3(self.cfg, metadata)

    def test_every_request_carries_the_identity_documents_account_signed_and_a_copy_also_for_its_source(self):
        FakeCloud.document = {'accountId': '210987654321', 'instanceId': 'i-0abc'}
        warnings = []
        s3 = self.s3(warnings)
        s3.list('sessions/', '/')
        s3.put('sessions/a/2/model.bin', b'', headers={'x-amz-copy-source': '/ckpt/sessions/a/1/model.bin'})
        (_, _, listed), (_, _, copied) = FakeCloud.requests
        for headers in (listed, copied):
            self.assertEqual(headers['x-amz-expected-bucket-owner'], '210987654321')
            signed = headers['authorization'].split('SignedHeaders=')[1].split(',')[0].split(';')
            self.assertIn('x-amz-expected-bucket-owner', signed)
        self.assertNotIn('x-amz-source-expected-bucket-owner', listed)
        self.assertEqual(copied['x-amz-source-expected-bucket-owner'], '210987654321')
        self.assertIn('x-amz-source-expected-bucket-owner', copied['authorization'])
        self.assertEqual(warnings, [])

    def test_the_signature_covers_the_header(self):
        signed = agent.sign('GET', 'h', '/b', [], {'x-amz-expected-bucket-owner': '210987654321'}, 'UNSIGNED-PAYLOAD', 'AK', 'SK', None, 'us-east-1', '20260101T000000Z')
        other = agent.sign('GET', 'h', '/b', [], {'x-amz-expected-bucket-owner': '111111111111'}, 'UNSIGNED-PAYLOAD', 'AK', 'SK', None, 'us-east-1', '20260101T000000Z')
        self.assertNotEqual(signed['authorization'], other['authorization'])

    def test_without_an_identity_document_requests_go_without_the_header_and_one_warning_is_given(self):
        FakeCloud.document = None
        warnings = []
        s3 = self.s3(warnings)
        s3.list('sessions/', '/')
        s3.list('sessions/', '/')
        self.assertEqual(len(FakeCloud.requests), 2)
        for _, _, headers in FakeCloud.requests:
            self.assertNotIn('x-amz-expected-bucket-owner', headers)
        self.assertEqual([w['code'] for w in warnings], ['bucket-owner-unknown'])

    def test_an_account_id_that_is_not_12_digits_is_not_sent(self):
        FakeCloud.document = {'accountId': '12345 evil'}
        warnings = []
        self.s3(warnings).list('sessions/')
        self.assertNotIn('x-amz-expected-bucket-owner', FakeCloud.requests[0][2])
        self.assertEqual(len(warnings), 1)


if __name__ == '__main__':
    unittest.main()
