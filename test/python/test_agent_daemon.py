"""The daemon's reaction to what the notice watcher reports (resources/agent/src/agent/daemon.py), with a stand-in
watcher and store: the same for EC2 and Google Cloud."""
import json
import os
import shutil
import tempfile
import unittest

from assembled_agent import import_modules

import_modules()
from agent import daemon, errors, journal  # noqa: E402


class Watcher:
    unreachable_code = 'test-unreachable'

    def __init__(self):
        self.answer, self.failure = (None, None), None

    def poll(self):
        if self.failure:
            raise self.failure
        return self.answer


class Store:
    def __init__(self):
        self.puts = {}
        self.attempts = self.timeout = 6

    def put(self, key, body, headers=None):
        self.puts[key] = body


class Cloud:
    def __init__(self):
        self.store = Store()

    def storage(self, on_retry=None, stop=None, deadline=None):
        return self.store


def daemon_config(folder, cloud, region):
    """The least of an agent.json a Daemon runs on, its journal in `folder`."""
    return {'journal': os.path.join(folder, 'journal.jsonl'), 'journalMaxBytes': 1 << 20, 'noticeMarginSeconds': 10,
            'prefix': 'sb', 'session': 'run-1', 'bucket': 'b', 'cloud': cloud, 'uploadAttempts': 1, 'region': region}


class DaemonReactions(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='spotbox-daemon-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.daemon = daemon.Daemon(daemon_config(self.tmp, 'aws', 'us-east-1'))
        self.daemon.notices, self.daemon.cloud = Watcher(), Cloud()
        self.daemon.instance = 'vm-1'

    def events(self):
        return journal.read_journal(self.daemon.cfg['journal'])

    def test_a_notice_is_acted_on_once(self):
        action = json.dumps({'action': 'preempted', 'time': '2030-01-01T00:00:30Z'})
        self.daemon.notices.answer = (action, None)
        self.daemon.poll_metadata()
        self.daemon.poll_metadata()
        self.assertEqual([(e['type'], e.get('action')) for e in self.events()], [('notice', 'preempted')])
        self.assertEqual(json.loads(self.daemon.cloud.store.puts['sb/run-1/handoff.json'])['actionTime'], '2030-01-01T00:00:30Z')
        reason, _, deadline = self.daemon.pending[0]
        self.assertEqual((reason, deadline), ('notice', 1893456030 - 10))

    def test_a_rebalance_is_journalled_when_it_comes_and_not_again(self):
        self.daemon.notices.answer = (None, '{"noticeTime": "2030-01-01T00:00:00Z"}')
        self.daemon.poll_metadata()
        self.daemon.poll_metadata()
        self.assertEqual([e['type'] for e in self.events()], ['rebalance'])
        self.assertEqual(self.daemon.pending, [('rebalance', None, None)])

    def test_an_unreachable_metadata_server_is_one_warning_until_it_answers(self):
        self.daemon.notices.failure = errors.Fail('down')
        self.daemon.poll_metadata()
        self.daemon.poll_metadata()
        self.assertEqual([(e['type'], e.get('code')) for e in self.events()], [('warning', 'test-unreachable')])


if __name__ == '__main__':
    unittest.main()


class ShutdownSignal(unittest.TestCase):
    """SIGTERM (daemon.request_shutdown): on GCE the soft off of a preemption comes with the notice, 30 s before the VM
    is gone, so the agent must stay for the notice checkpoint instead of exiting at once."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='spotbox-shutdown-')
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.daemon = daemon.Daemon(daemon_config(self.tmp, 'gcp', 'us-central1'))

    def test_without_a_notice_it_waits_briefly_for_one_then_goes(self):
        self.daemon.request_shutdown()
        self.assertFalse(self.daemon.may_stop(), 'the notice may come with the soft off')
        self.daemon.shutdown_at -= daemon.SHUTDOWN_NOTICE_WAIT
        self.assertTrue(self.daemon.may_stop())

    def test_with_a_notice_it_stays_until_the_notice_checkpoint_is_done(self):
        self.daemon.request_shutdown()
        self.daemon.notice = 'preempted'
        self.daemon.pending = [('notice', None, 0)]
        self.assertFalse(self.daemon.may_stop(), 'the notice checkpoint is still to run')
        self.daemon.pending = []
        self.assertTrue(self.daemon.may_stop(), 'nothing left to save')

    def test_a_second_signal_does_not_restart_the_wait(self):
        self.daemon.request_shutdown()
        first = self.daemon.shutdown_at
        self.daemon.request_shutdown()
        self.assertEqual(self.daemon.shutdown_at, first)
