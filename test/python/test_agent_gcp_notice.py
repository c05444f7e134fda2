"""The Compute Engine notice watcher (resources/agent/src/agent/gcp_notice.py): long polls of instance/preempted and
instance/maintenance-event, with backoff on 503 and connection errors."""
import json
import threading
import time
import unittest

from assembled_agent import import_modules
from fake_google import FakeGoogle
from fake_http import serve

import_modules()
from agent import errors, formats, gcp_metadata, gcp_notice  # noqa: E402

PREEMPTED, MAINTENANCE = 'instance/preempted', 'instance/maintenance-event'


class GcpNotice(unittest.TestCase):
    def setUp(self):
        FakeGoogle.reset()
        self.url = serve(self, FakeGoogle)
        self.sleeps = []
        self.watcher = gcp_notice.GcpNoticeWatcher(gcp_metadata.GcpMetadata({'gceMetadataHost': self.url}), wait_seconds=5, sleep=self.sleeps.append)

    def requests_of(self, path):
        return [r for r in FakeGoogle.requests if r[1] == '/computeMetadata/v1/' + path]

    def test_reads_then_long_polls_from_the_etag_and_sees_preemption(self):
        FakeGoogle.set(PREEMPTED, 'FALSE')
        thread = threading.Thread(target=self.watcher.watch, args=(PREEMPTED, 3))
        thread.start()
        deadline = time.time() + 5
        while len(self.requests_of(PREEMPTED)) < 2 and time.time() < deadline:
            time.sleep(0.02)
        first_etag = FakeGoogle.etag(PREEMPTED)
        self.assertEqual(self.watcher.poll(), (None, None))
        FakeGoogle.set(PREEMPTED, 'TRUE')
        thread.join(10)
        plain, poll, after = self.requests_of(PREEMPTED)
        self.assertEqual(plain[2], {}, 'the first read takes the value and its ETag')
        self.assertEqual(poll[2], {'wait_for_change': 'true', 'last_etag': first_etag, 'timeout_sec': '5'})
        self.assertEqual(after[2]['last_etag'], FakeGoogle.etag(PREEMPTED))
        self.assertTrue(all(r[3]['metadata-flavor'] == 'Google' for r in FakeGoogle.requests))
        text, rebalance = self.watcher.poll()
        notice = json.loads(text)
        self.assertEqual((notice['action'], rebalance), ('preempted', None))
        self.assertAlmostEqual(formats.parse_time(notice['time']) - formats.parse_time(notice['noticeTime']), 30, delta=1.5)
        self.assertLess(abs(formats.parse_time(notice['noticeTime']) - time.time()), 10)
        self.assertEqual(self.watcher.poll()[0], text, 'the same text: one notice, not one per poll')

    def test_retries_503_with_growing_backoff(self):
        FakeGoogle.set(PREEMPTED, 'FALSE')
        FakeGoogle.fail[PREEMPTED] = 3
        self.watcher.watch(PREEMPTED, 3)
        self.assertEqual(len(self.sleeps), 3)
        self.assertLess(self.sleeps[0], self.sleeps[2])
        with self.assertRaisesRegex(errors.Fail, 'HTTP 503'):
            self.watcher.poll()
        self.watcher.watch(PREEMPTED, 1)
        self.assertEqual(self.watcher.poll(), (None, None), 'an answer clears the error')

    def test_a_connection_error_is_retried_and_reported(self):
        watcher = gcp_notice.GcpNoticeWatcher(gcp_metadata.GcpMetadata({'gceMetadataHost': 'http://127.0.0.1:9'}), sleep=self.sleeps.append)
        watcher.watch(PREEMPTED, 2)
        self.assertEqual(len(self.sleeps), 2)
        with self.assertRaisesRegex(errors.Fail, 'metadata instance/preempted: ConnectionRefusedError'):
            watcher.poll()

    def test_a_terminating_host_maintenance_is_a_notice_and_a_migration_is_not(self):
        FakeGoogle.set(MAINTENANCE, 'MIGRATE_ON_HOST_MAINTENANCE')
        self.watcher.watch(MAINTENANCE, 1)
        self.assertEqual(self.watcher.poll(), (None, None))
        FakeGoogle.set(MAINTENANCE, 'TERMINATE_ON_HOST_MAINTENANCE')
        self.watcher.watch(MAINTENANCE, 1)
        self.assertEqual(json.loads(self.watcher.poll()[0])['action'], 'terminate-on-host-maintenance')

    def test_start_watches_both_values_in_threads(self):
        FakeGoogle.set(PREEMPTED, 'FALSE')
        FakeGoogle.set(MAINTENANCE, 'NONE')
        watcher = gcp_notice.GcpNoticeWatcher(gcp_metadata.GcpMetadata({'gceMetadataHost': self.url}), wait_seconds=1)
        watcher.start()
        FakeGoogle.set(PREEMPTED, 'TRUE')
        deadline = time.time() + 5
        while watcher.poll()[0] is None and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(json.loads(watcher.poll()[0])['action'], 'preempted')
        self.assertEqual(sorted(t.daemon for t in watcher.threads), [True, True])
        self.assertTrue(self.requests_of(MAINTENANCE))


if __name__ == '__main__':
    unittest.main()
