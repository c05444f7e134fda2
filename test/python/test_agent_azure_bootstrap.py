"""The bootstrap on Azure (resources/agent/spotbox_bootstrap.py, the config's cloud azure): the agent's files come from
Blob storage with the managed identity's token from IMDS, pinned by sha256."""
import hashlib
import os
import shutil
import sys
import tempfile
import unittest
from unittest import mock

from assembled_agent import AGENT_DIR
from fake_azure import FakeAzure
from fake_http import serve

sys.path.insert(0, AGENT_DIR)
import spotbox_bootstrap as bootstrap  # noqa: E402


class AzureBootstrapTest(unittest.TestCase):
    def setUp(self):
        FakeAzure.reset()
        self.url = serve(self, FakeAzure)
        self.home = tempfile.mkdtemp(prefix='spotbox-bootstrap-')
        self.addCleanup(shutil.rmtree, self.home, True)
        env = mock.patch.dict(os.environ, {'HOME': self.home, 'AZURE_POD_IDENTITY_AUTHORITY_HOST': self.url})
        env.start()
        self.addCleanup(env.stop)
        self.data = b'print("agent")\n'
        sha = hashlib.sha256(self.data).hexdigest()
        self.key = 'sb/run-1/tools/%s/spotbox_agent.py' % sha
        self.cfg = {'cloud': 'azure', 'container': 'ckpt', 'blobEndpoint': self.url + '/devstoreaccount1', 'installTimeoutSeconds': 5,
                    'install': [{'key': self.key, 'path': '~/.spotbox/spotbox_agent.py', 'sha256': sha}]}
        self.clock = [0.0]

    def install(self):
        return bootstrap.install(self.cfg, clock=lambda: self.clock[0], sleep=lambda seconds: self.clock.__setitem__(0, self.clock[0] + seconds))

    def test_installs_from_blob_storage_with_the_managed_identity_token(self):
        FakeAzure.objects[self.key] = self.data
        FakeAzure.fail['token'] = [410]
        self.install()
        with open(os.path.join(self.home, '.spotbox', 'spotbox_agent.py'), 'rb') as f:
            self.assertEqual(f.read(), self.data)
        download = [r for r in FakeAzure.requests if r[1].startswith('/devstoreaccount1/')][0]
        self.assertEqual(download[1], '/devstoreaccount1/ckpt/' + self.key)
        self.assertEqual(download[3]['authorization'], 'Bearer token-1')
        self.assertEqual(FakeAzure.problems, [])

    def test_waits_for_the_upload_then_gives_up(self):
        with self.assertRaisesRegex(bootstrap.Fail, 'gave up installing the Spotbox agent: azure://ckpt/.*HTTP 404'):
            self.install()
        self.assertGreater(len([r for r in FakeAzure.requests if r[1].startswith('/devstoreaccount1/')]), 1)

    def test_refuses_a_blob_whose_sha256_is_not_pinned(self):
        FakeAzure.objects[self.key] = b'import os; os.system("evil")\n'
        with self.assertRaisesRegex(bootstrap.Fail, 'refusing azure://ckpt/'):
            self.install()
        self.assertFalse(os.path.exists(os.path.join(self.home, '.spotbox')))


if __name__ == '__main__':
    unittest.main()
