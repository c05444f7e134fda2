"""The agent config module (resources/agent/src/agent/config.py): defaults, required fields, paths, the cloud."""
import json
import os
import shutil
import tempfile
import unittest

from assembled_agent import import_modules

import_modules()
from agent import config, errors  # noqa: E402


class LoadConfig(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='spotbox-config-')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def load(self, **fields):
        path = os.path.join(self.tmp, 'agent.json')
        with open(path, 'w') as f:
            json.dump(dict({'bucket': 'b', 'session': 's', 'checkpointDir': '~/ckpt'}, **fields), f)
        return config.load_config(path)

    def test_fills_defaults_and_expands_paths(self):
        cfg = self.load(prefix='/a/b/')
        self.assertEqual(cfg['prefix'], 'a/b')
        self.assertEqual(cfg['keep'], 3)
        self.assertEqual(cfg['checkpointDir'], os.path.expanduser('~/ckpt'))
        self.assertEqual(cfg['journal'], os.path.expanduser('~/.spotbox/journal.jsonl'))
        self.assertEqual(cfg['cloud'], 'aws')

    def test_poll_interval_stays_between_a_fifth_of_a_second_and_two_seconds(self):
        self.assertEqual(self.load(pollSeconds=30)['pollSeconds'], 2.0)
        self.assertEqual(self.load(pollSeconds=0)['pollSeconds'], 0.2)

    def test_a_required_field_missing_is_named(self):
        with self.assertRaisesRegex(errors.Fail, '"bucket"'):
            self.load(bucket='')

    def test_an_unknown_cloud_is_refused(self):
        self.assertEqual(self.load(cloud='gcp')['cloud'], 'gcp')
        with self.assertRaisesRegex(errors.Fail, 'cloud "oci"'):
            self.load(cloud='oci')

    def test_an_unreadable_file_is_a_failure_not_a_traceback(self):
        with self.assertRaisesRegex(errors.Fail, 'cannot read'):
            config.load_config(os.path.join(self.tmp, 'missing.json'))


if __name__ == '__main__':
    unittest.main()
