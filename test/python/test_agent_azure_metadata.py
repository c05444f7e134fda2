"""Azure's IMDS client (resources/agent/src/agent/azure_metadata.py): the VM's id and name, the managed identity's
token cached until shortly before it expires, and retries as Microsoft documents for IMDS."""
import os
import unittest
from unittest import mock

from assembled_agent import import_modules
from fake_azure import FakeAzure
from fake_http import serve

import_modules()
from agent import azure_metadata, errors  # noqa: E402


class AzureMetadataTest(unittest.TestCase):
    def setUp(self):
        FakeAzure.reset()
        self.url = serve(self, FakeAzure)
        self.sleeps = []
        env = mock.patch.dict(os.environ, {'AZURE_POD_IDENTITY_AUTHORITY_HOST': self.url})
        env.start()
        self.addCleanup(env.stop)
        self.metadata = azure_metadata.AzureMetadata({}, sleep=self.sleeps.append)

    def token_requests(self):
        return [r for r in FakeAzure.requests if r[1] == '/metadata/identity/oauth2/token']

    def test_the_base_url_comes_from_the_identity_libraries_override(self):
        self.assertEqual(self.metadata.base, self.url)
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(azure_metadata.AzureMetadata({}).base, 'http://169.254.169.254')

    def test_the_instance_is_the_vm_id_and_the_name_is_read_from_the_same_document(self):
        self.assertEqual(self.metadata.instance_id(), FakeAzure.compute['vmId'])
        self.assertEqual(self.metadata.vm_name(), 'spotbox-vm-1')
        compute = [r for r in FakeAzure.requests if r[1] == '/metadata/instance/compute']
        self.assertEqual(len(compute), 1, 'read once: it does not change in a VM life')
        self.assertEqual(compute[0][3]['metadata'], 'true')
        self.assertEqual(FakeAzure.problems, [])

    def test_a_token_is_cached_until_shortly_before_it_expires(self):
        self.assertEqual(self.metadata.token(), 'token-1')
        self.assertEqual(self.metadata.token(), 'token-1')
        self.assertEqual(len(self.token_requests()), 1)
        query = self.token_requests()[0][2]
        self.assertEqual(query, {'api-version': '2018-02-01', 'resource': 'https://storage.azure.com/'})
        self.metadata.forget_token()
        self.assertEqual(self.metadata.token(), 'token-2')
        # A token that expires within the refresh margin is never reused.
        FakeAzure.token_lifetime = azure_metadata.TOKEN_REFRESH_AHEAD - 10
        self.metadata.forget_token()
        self.assertEqual(self.metadata.token(), 'token-3')
        self.assertEqual(self.metadata.token(), 'token-4')
        self.assertEqual(FakeAzure.problems, [])

    def test_410_429_and_5xx_are_retried_with_growing_backoff(self):
        FakeAzure.fail['token'] = [410, 429, 500, 503]
        self.assertEqual(self.metadata.token(), 'token-1')
        self.assertEqual(len(self.token_requests()), 5)
        self.assertEqual(len(self.sleeps), 4)
        self.assertLess(self.sleeps[0], self.sleeps[3])

    def test_gives_up_after_its_attempts_and_does_not_retry_a_bad_request(self):
        FakeAzure.fail['token'] = [503] * 10
        with self.assertRaisesRegex(errors.Fail, 'failed after 5 attempt'):
            self.metadata.token()
        FakeAzure.fail['token'] = [400]
        before = len(self.token_requests())
        with self.assertRaisesRegex(errors.Fail, 'HTTP 400'):
            self.metadata.token()
        self.assertEqual(len(self.token_requests()), before + 1)


if __name__ == '__main__':
    unittest.main()
