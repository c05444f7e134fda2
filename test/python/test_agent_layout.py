"""Where checkpoints live in the bucket (resources/agent/src/agent/layout.py), over any store with list and get."""
import json
import unittest

from assembled_agent import import_modules

import_modules()
from agent import layout  # noqa: E402

SHA = 'a' * 64


def manifest(seq, **changes):
    return dict({'version': 1, 'seq': seq, 'files': [{'area': 'files', 'path': 'm.pt', 'key': 'k', 'size': 1, 'sha256': SHA}]}, **changes)


class Store:
    """A bucket in memory with the two calls layout makes."""

    def __init__(self, objects):
        self.objects = objects

    def list(self, prefix, delimiter=None):
        keys = sorted(k for k in self.objects if k.startswith(prefix))
        if not delimiter:
            return keys, []
        return [k for k in keys if delimiter not in k[len(prefix):]], sorted({prefix + k[len(prefix):].split(delimiter)[0] + delimiter for k in keys if delimiter in k[len(prefix):]})

    def get(self, key, first=None, size=None):
        return self.objects.get(key)


class Layout(unittest.TestCase):
    def test_session_base_drops_an_empty_prefix(self):
        self.assertEqual(layout.session_base({'prefix': 'sb', 'session': 'run-1'}), 'sb/run-1/')
        self.assertEqual(layout.session_base({'prefix': '', 'session': 'run-1'}), 'run-1/')

    def test_the_newest_complete_checkpoint_skips_torn_and_invalid_ones(self):
        store = Store({
            'sb/r/000001/manifest.json': json.dumps(manifest(1)).encode(),
            'sb/r/000002/manifest.json': json.dumps(manifest(2)).encode(),
            'sb/r/000003/started.json': b'{}',
            'sb/r/000004/manifest.json': json.dumps(manifest(3)).encode(),
            'sb/r/notaseq/x': b'',
        })
        folders = layout.seq_folders(store, 'sb/r/')
        self.assertEqual(sorted(folders), [1, 2, 3, 4])
        self.assertEqual(layout.newest_complete(store, 'sb/r/', folders)['seq'], 2, '4 names another seq, 3 has no manifest')

    def test_valid_manifest_checks_every_file_entry(self):
        self.assertTrue(layout.valid_manifest(manifest(5), 5))
        self.assertFalse(layout.valid_manifest(manifest(5, version=2), 5))
        bad = manifest(5)
        bad['files'][0]['area'] = 'elsewhere'
        self.assertFalse(layout.valid_manifest(bad, 5))
        bad = manifest(5)
        bad['files'][0]['size'] = True
        self.assertFalse(layout.valid_manifest(bad, 5))


if __name__ == '__main__':
    unittest.main()
