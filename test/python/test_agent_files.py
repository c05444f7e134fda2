"""The local side of a checkpoint (resources/agent/src/agent/files.py): what it holds, hashes, the step, atomic writes."""
import hashlib
import json
import os
import shutil
import tempfile
import unittest

from assembled_agent import import_modules

import_modules()
from agent import files  # noqa: E402


class Journal:
    def __init__(self):
        self.events = []

    def write(self, kind, **fields):
        self.events.append(dict(fields, type=kind))


class Files(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='spotbox-files-')
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def put(self, rel, data=b'x'):
        path = os.path.join(self.tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def test_collect_takes_the_checkpoint_and_the_workspace_within_budget(self):
        self.put('ws/ckpt/model.pt', b'm' * 10)
        self.put('ws/train.py', b'code')
        self.put('ws/big.bin', b'b' * 100)
        self.put('ws/.git/config', b'url = https://token@host')
        self.put('ws/out.log', b'log')
        self.put('ws/.gitignore', b'*.log\n')
        cfg = {'checkpointDir': os.path.join(self.tmp, 'ws', 'ckpt'), 'workspaceDir': os.path.join(self.tmp, 'ws'),
               'workspaceMaxBytes': 50, 'journal': os.path.join(self.tmp, 'state', 'journal.jsonl')}
        journal = Journal()
        items = files.collect(cfg, journal)
        self.assertEqual([(area, rel) for area, rel, _, _ in items], [('files', 'model.pt'), ('workspace', '.gitignore'), ('workspace', 'train.py')])
        self.assertEqual(journal.events[0]['code'], 'workspace-over-limit')
        self.assertEqual(journal.events[0]['paths'], ['big.bin'])

    def test_walk_skips_symlinks(self):
        self.put('d/a.txt')
        os.symlink('/etc/passwd', os.path.join(self.tmp, 'd', 'link'))
        self.assertEqual([rel for rel, _, _ in files.walk(os.path.join(self.tmp, 'd'))], ['a.txt'])

    def test_read_step_prefers_progress_json_then_latest(self):
        self.assertIsNone(files.read_step(self.tmp))
        self.put('latest', b'global_step1200')
        self.assertEqual(files.read_step(self.tmp), 1200)
        self.put('progress.json', json.dumps({'step': 7}).encode())
        self.assertEqual(files.read_step(self.tmp), 7)

    def test_sha256_of_answers_from_memory_only_for_the_same_identity(self):
        path = self.put('f', b'one')
        self.assertEqual(files.sha256_of(path, 'id-1'), hashlib.sha256(b'one').hexdigest())
        self.put('f', b'two')
        self.assertEqual(files.sha256_of(path, 'id-1'), hashlib.sha256(b'one').hexdigest(), 'same identity: remembered')
        self.assertEqual(files.sha256_of(path, 'id-2'), hashlib.sha256(b'two').hexdigest())

    def test_write_file_replaces_a_symlink_rather_than_writing_through_it(self):
        target = self.put('target', b'keep')
        os.symlink(target, os.path.join(self.tmp, 'out'))
        files.write_file(os.path.join(self.tmp, 'out'), b'new')
        with open(target, 'rb') as f:
            self.assertEqual(f.read(), b'keep')
        self.assertFalse(os.path.islink(os.path.join(self.tmp, 'out')))
        self.assertEqual(os.stat(os.path.join(self.tmp, 'out')).st_mode & 0o777, 0o600)

    def test_dir_state_changes_with_a_write(self):
        self.put('c/a', b'1')
        before = files.dir_state(os.path.join(self.tmp, 'c'))
        self.put('c/a', b'22')
        self.assertNotEqual(before, files.dir_state(os.path.join(self.tmp, 'c')))


if __name__ == '__main__':
    unittest.main()
