"""The Compute Engine metadata client (resources/agent/src/agent/gcp_metadata.py) against a fake metadata server."""
import os
import unittest
from unittest import mock

from assembled_agent import import_modules
from fake_google import FakeGoogle
from fake_http import serve

import_modules()
from agent import errors, gcp_metadata  # noqa: E402


class GcpMetadataClient(unittest.TestCase):
    def setUp(self):
        FakeGoogle.reset()
        self.url = serve(self, FakeGoogle)
        self.metadata = gcp_metadata.GcpMetadata({'gceMetadataHost': self.url})

    def test_honours_gce_metadata_host_as_google_libraries_do(self):
        with mock.patch.dict(os.environ, {'GCE_METADATA_HOST': self.url[len('http://'):]}):
            metadata = gcp_metadata.GcpMetadata({})
        self.assertEqual(metadata.base, self.url + '/computeMetadata/v1/')
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(gcp_metadata.GcpMetadata({}).base, 'http://metadata.google.internal/computeMetadata/v1/')

    def test_sends_the_metadata_flavor_header_and_reads_the_etag(self):
        FakeGoogle.set('instance/id', '4455667788')
        status, etag, text = self.metadata.get('instance/id')
        self.assertEqual((status, text, etag), (200, '4455667788', FakeGoogle.etag('instance/id')))
        self.assertEqual(FakeGoogle.requests[0][3]['metadata-flavor'], 'Google')
        self.assertEqual(self.metadata.instance_id(), '4455667788')
        self.assertEqual(FakeGoogle.problems, [])

    def test_a_long_poll_names_the_etag_and_the_timeout(self):
        FakeGoogle.set('instance/preempted', 'FALSE')
        _, etag, _ = self.metadata.get('instance/preempted')
        status, same, text = self.metadata.get('instance/preempted', etag, 1)
        self.assertEqual((status, same, text), (200, etag, 'FALSE'), 'unchanged when timeout_sec ran out')
        self.assertEqual(FakeGoogle.requests[-1][2], {'wait_for_change': 'true', 'last_etag': etag, 'timeout_sec': '1'})

    def test_the_token_is_cached_until_a_minute_before_it_expires(self):
        self.assertEqual(self.metadata.token(), 'token-1')
        self.assertEqual(self.metadata.token(), 'token-1')
        self.assertEqual(FakeGoogle.token_requests, 1)
        FakeGoogle.token_lifetime = 30
        self.metadata.forget_token()
        self.assertEqual(self.metadata.token(), 'token-2')
        self.assertEqual(self.metadata.token(), 'token-3', 'expiring within the minute: fetched again')

    def test_no_token_is_a_failure_that_says_what_to_do(self):
        FakeGoogle.fail['instance/service-accounts/default/token'] = 1
        with self.assertRaisesRegex(errors.Fail, 'HTTP 503.*service account'):
            self.metadata.token()


if __name__ == '__main__':
    unittest.main()
