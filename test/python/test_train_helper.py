"""The trainer helper (resources/agent/spotbox_train.py): flags, notice, atomic files, no-op without Spotbox."""
import importlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'resources', 'agent'))
import spotbox_train  # noqa: E402

ENV = ('SPOTBOX_STATE_DIR', 'SPOTBOX_CHECKPOINT_DIR', 'SPOTBOX_STEP_FILE')


class HelperCase(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='spotbox-train-')
        self.saved_env = {name: os.environ.pop(name, None) for name in ENV}
        self.saved_handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGUSR1, signal.SIGTERM)}
        self.helper = importlib.reload(spotbox_train)

    def tearDown(self):
        for sig, handler in self.saved_handlers.items():
            signal.signal(sig, handler)
        for name, value in self.saved_env.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value
        shutil.rmtree(self.dir, ignore_errors=True)

    def on_spotbox(self):
        os.environ['SPOTBOX_STATE_DIR'] = os.path.join(self.dir, 'state')
        os.environ['SPOTBOX_CHECKPOINT_DIR'] = os.path.join(self.dir, 'ckpt')
        os.environ['SPOTBOX_STEP_FILE'] = os.path.join(self.dir, 'step')
        os.makedirs(os.environ['SPOTBOX_STATE_DIR'])

    def test_signals_set_flags_the_loop_reads(self):
        self.helper.install_handlers()
        self.assertFalse(self.helper.checkpoint_requested())
        os.kill(os.getpid(), signal.SIGUSR1)
        self.assertTrue(self.helper.checkpoint_requested())
        self.assertFalse(self.helper.checkpoint_requested(), 'one request, answered once')
        self.assertFalse(self.helper.stop_requested())
        os.kill(os.getpid(), signal.SIGTERM)
        self.assertTrue(self.helper.stop_requested())
        self.assertTrue(self.helper.stop_requested(), 'stopping stays asked')

    def test_preemption_info_from_the_agents_journal(self):
        self.on_spotbox()
        journal = os.path.join(os.environ['SPOTBOX_STATE_DIR'], 'journal.jsonl')
        self.assertIsNone(self.helper.preemption_info(), 'no journal yet')
        with open(journal, 'w') as f:
            f.write(json.dumps({'time': 'x', 'type': 'agent-started'}) + '\n')
        self.assertIsNone(self.helper.preemption_info())
        action = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + 100))
        with open(journal, 'a') as f:
            f.write(json.dumps({'time': 'x', 'type': 'notice', 'action': 'terminate', 'actionTime': action}) + '\n')
            f.write('{"type": "progr')  # a line still being written
        info = self.helper.preemption_info()
        self.assertEqual(info['action'], 'terminate')
        self.assertAlmostEqual(info['seconds_left'], 100, delta=3)
        self.assertAlmostEqual(info['deadline'], time.time() + 100, delta=3)

    def test_step_and_checkpoint_files_are_written_whole(self):
        self.on_spotbox()
        self.helper.write_step(41, 2)
        with open(os.environ['SPOTBOX_STEP_FILE']) as f:
            self.assertEqual(f.read(), '41 2')
        directory = self.helper.checkpoint_dir()
        self.assertEqual(directory, os.environ['SPOTBOX_CHECKPOINT_DIR'])
        path = os.path.join(directory, 'step-41.pt')
        self.helper.save_atomically(path, lambda tmp: open(tmp, 'wb').write(b'weights'))
        self.helper.mark_checkpoint(41, 'step-41.pt', epoch=2)
        self.assertEqual(sorted(os.listdir(directory)), ['progress.json', 'step-41.pt'], 'no temporary file left')
        self.assertEqual(self.helper.latest_checkpoint(), {'step': 41, 'file': 'step-41.pt', 'epoch': 2, 'path': path})

    def test_a_failed_save_leaves_the_previous_checkpoint(self):
        path = os.path.join(self.dir, 'model.pt')
        self.helper.save_atomically(path, lambda tmp: open(tmp, 'wb').write(b'good'))

        def broken(tmp):
            open(tmp, 'wb').write(b'half')
            raise RuntimeError('disk full')
        with self.assertRaises(RuntimeError):
            self.helper.save_atomically(path, broken)
        self.assertEqual(open(path, 'rb').read(), b'good')
        self.assertEqual(os.listdir(self.dir), ['model.pt'])

    def test_restored_summary(self):
        self.on_spotbox()
        self.assertIsNone(self.helper.restored())
        with open(os.path.join(os.environ['SPOTBOX_STATE_DIR'], 'restored.json'), 'w') as f:
            json.dump({'seq': 3, 'step': 120}, f)
        self.assertEqual(self.helper.restored(), {'seq': 3, 'step': 120})

    def test_without_spotbox_every_call_is_harmless(self):
        os.environ['HOME'], home = self.dir, os.environ.get('HOME')
        try:
            cwd = os.getcwd()
            os.chdir(self.dir)
            try:
                self.helper.write_step(5)
                self.assertIsNone(self.helper.preemption_info())
                self.assertIsNone(self.helper.restored())
                self.assertIsNone(self.helper.latest_checkpoint())
                self.assertEqual(self.helper.checkpoint_dir('runs/ckpt'), 'runs/ckpt')
                self.assertEqual(sorted(os.listdir(self.dir)), ['runs'], 'nothing written but the folder asked for')
            finally:
                os.chdir(cwd)
        finally:
            os.environ['HOME'] = home


if __name__ == '__main__':
    unittest.main()
