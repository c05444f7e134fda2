"""The agent's command line (resources/agent/src/agent/cli.py): checkpoint-now asks the daemon through the trigger file."""
import io
import json
import os
import shutil
import tempfile
import threading
import time
import unittest
from contextlib import redirect_stderr, redirect_stdout

from assembled_agent import import_modules

import_modules()
from agent import cli, journal  # noqa: E402


class CheckpointNow(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='spotbox-cli-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.cfg = {'triggerFile': os.path.join(self.tmp, 'checkpoint-now'), 'journal': os.path.join(self.tmp, 'journal.jsonl')}

    def test_without_wait_it_prints_the_request_it_left(self):
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(cli.checkpoint_now(self.cfg, False, 5), 0)
        request = json.loads(out.getvalue())['request']
        with open(self.cfg['triggerFile']) as f:
            self.assertEqual(f.read(), request)

    def test_with_wait_it_answers_with_the_daemons_event_for_its_request(self):
        def daemon():
            while not os.path.exists(self.cfg['triggerFile']):
                time.sleep(0.02)
            with open(self.cfg['triggerFile']) as f:
                request = f.read()
            events = journal.Journal(self.cfg['journal'])
            events.write('checkpoint-committed', request='someone-else', seq=1)
            events.write('checkpoint-failed', request=request, error='disk full')
        threading.Thread(target=daemon).start()
        out = io.StringIO()
        with redirect_stdout(out):
            self.assertEqual(cli.checkpoint_now(self.cfg, True, 5), 1)
        self.assertEqual(json.loads(out.getvalue())['error'], 'disk full')

    def test_main_reports_a_bad_config_on_stderr_with_exit_code_1(self):
        err = io.StringIO()
        with redirect_stderr(err):
            self.assertEqual(cli.main(['checkpoint-now', '--config', os.path.join(self.tmp, 'missing.json')]), 1)
        self.assertIn('cannot read the agent config', err.getvalue())


if __name__ == '__main__':
    unittest.main()
