"""The user data's bootstrap (resources/agent/spotbox_bootstrap.py): installs the agent and the tools, pinned by sha256."""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unittest
from unittest import mock

AGENT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'resources', 'agent')
sys.path.insert(0, AGENT_DIR)
import spotbox_bootstrap as bootstrap  # noqa: E402
from fake_google import FakeGoogle  # noqa: E402
from fake_http import QuietHandler, serve  # noqa: E402


class Cloud(QuietHandler):
    """IMDSv2 whose role keys come only after `keys_after` asks (a booting box), and an S3 of `objects`."""
    objects, keys_after, asked, owners = {}, 0, 0, []

    def do_PUT(self):
        self.reply(200, b'token' if self.path == '/latest/api/token' else b'')

    def do_GET(self):
        if self.path.startswith('/latest/meta-data/iam/security-credentials/'):
            Cloud.asked += 1
            if Cloud.asked <= Cloud.keys_after:
                return self.reply(404)
            role = self.path.rsplit('/', 1)[1]
            return self.reply(200, b'box-role' if not role else json.dumps({'AccessKeyId': 'AKID', 'SecretAccessKey': 's', 'Token': 't'}).encode())
        if self.path == '/latest/dynamic/instance-identity/document':
            return self.reply(200, json.dumps({'accountId': '210987654321'}).encode())
        Cloud.owners.append(self.headers.get('x-amz-expected-bucket-owner'))
        data = Cloud.objects.get(self.path.split('/', 2)[2])
        self.reply(200, data) if data is not None else self.reply(404, b'<Error><Code>NoSuchKey</Code></Error>')


class BootstrapTest(unittest.TestCase):
    def setUp(self):
        url = serve(self, Cloud)
        self.home = tempfile.mkdtemp(prefix='spotbox-bootstrap-')
        self.addCleanup(shutil.rmtree, self.home, True)
        env = mock.patch.dict(os.environ, {'HOME': self.home})
        env.start()
        self.addCleanup(env.stop)
        for name in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'):
            os.environ.pop(name, None)
        Cloud.objects, Cloud.keys_after, Cloud.asked, Cloud.owners = {}, 0, 0, []
        files = {'spotbox_agent.py': b'print("agent")\n', 'spotbox_session.py': b'print("runner")\n'}
        self.cfg = {'bucket': 'ckpt', 'region': 'us-east-1', 's3Endpoint': url, 'imdsEndpoint': url, 'installTimeoutSeconds': 5, 'install': []}
        for name, data in files.items():
            sha = hashlib.sha256(data).hexdigest()
            key = 'sb/run-1/tools/%s/%s' % (sha, name)
            Cloud.objects[key] = data
            self.cfg['install'].append({'key': key, 'path': '~/.spotbox/' + name, 'sha256': sha})
        self.clock = [0.0]
        self.sleep = lambda seconds: self.clock.__setitem__(0, self.clock[0] + seconds)

    def install(self):
        return bootstrap.install(self.cfg, clock=lambda: self.clock[0], sleep=self.sleep)

    def test_waits_for_the_role_keys_of_a_booting_box_then_installs_every_file_expecting_the_account(self):
        Cloud.keys_after = 2
        self.install()
        with open(os.path.join(self.home, '.spotbox', 'spotbox_agent.py'), 'rb') as f:
            self.assertEqual(f.read(), b'print("agent")\n')
        self.assertEqual(set(Cloud.owners), {'210987654321'})

    def test_refuses_a_file_whose_sha256_is_not_pinned_and_writes_none(self):
        Cloud.objects[self.cfg['install'][1]['key']] = b'import os; os.system("evil")\n'
        with self.assertRaisesRegex(bootstrap.Fail, 'its sha256 is not the one the launch pinned'):
            self.install()
        self.assertFalse(os.path.exists(os.path.join(self.home, '.spotbox')))

    def test_waits_for_an_upload_then_gives_up_at_the_timeout(self):
        Cloud.objects.clear()
        with self.assertRaisesRegex(bootstrap.Fail, 'gave up installing the Spotbox agent: .*HTTP 404'):
            self.install()
        self.assertGreaterEqual(self.clock[0], 2)
        self.assertLessEqual(self.clock[0], 5)



class GcpBootstrapTest(unittest.TestCase):
    """On Google Cloud (the config's cloud gcp): the files come from Cloud Storage with the metadata server's token."""

    def setUp(self):
        FakeGoogle.reset()
        self.url = serve(self, FakeGoogle)
        self.home = tempfile.mkdtemp(prefix='spotbox-bootstrap-')
        self.addCleanup(shutil.rmtree, self.home, True)
        env = mock.patch.dict(os.environ, {'HOME': self.home, 'GCE_METADATA_HOST': self.url[len('http://'):]})
        env.start()
        self.addCleanup(env.stop)
        os.environ.pop('STORAGE_EMULATOR_HOST', None)
        data = b'print("agent")\n'
        sha = hashlib.sha256(data).hexdigest()
        self.key = 'sb/run-1/tools/%s/spotbox_agent.py' % sha
        self.cfg = {'cloud': 'gcp', 'bucket': 'ckpt', 'gcsEndpoint': self.url, 'installTimeoutSeconds': 5,
                    'install': [{'key': self.key, 'path': '~/.spotbox/spotbox_agent.py', 'sha256': sha}]}
        self.data = data
        self.clock = [0.0]

    def install(self):
        return bootstrap.install(self.cfg, clock=lambda: self.clock[0], sleep=lambda seconds: self.clock.__setitem__(0, self.clock[0] + seconds))

    def test_installs_from_cloud_storage_with_the_service_account_token(self):
        FakeGoogle.objects[self.key] = self.data
        self.install()
        with open(os.path.join(self.home, '.spotbox', 'spotbox_agent.py'), 'rb') as f:
            self.assertEqual(f.read(), self.data)
        download = [r for r in FakeGoogle.requests if r[1].startswith('/storage/')][0]
        self.assertEqual((download[1], download[2]), ('/storage/v1/b/ckpt/o/' + self.key.replace('/', '%2F'), {'alt': 'media'}))
        self.assertEqual(download[3]['authorization'], 'Bearer token-1')
        self.assertEqual(FakeGoogle.problems, [])

    def test_waits_for_the_token_and_the_upload_then_gives_up(self):
        FakeGoogle.fail['instance/service-accounts/default/token'] = 1
        with self.assertRaisesRegex(bootstrap.Fail, 'gave up installing the Spotbox agent: .*gs://ckpt/.*HTTP 404'):
            self.install()
        self.assertGreaterEqual(FakeGoogle.token_requests, 1)

    def test_refuses_an_object_whose_sha256_is_not_pinned(self):
        FakeGoogle.objects[self.key] = b'import os; os.system("evil")\n'
        with self.assertRaisesRegex(bootstrap.Fail, 'refusing gs://ckpt/'):
            self.install()
        self.assertFalse(os.path.exists(os.path.join(self.home, '.spotbox')))


if __name__ == '__main__':
    unittest.main()
