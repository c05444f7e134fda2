"""The Azure notice watcher (resources/agent/src/agent/azure_notice.py): Scheduled Events polled about once a second,
the first call with a long timeout, Preempt or Terminate for this VM only, and the acknowledgement."""
import email.utils
import json
import threading
import time
import unittest

from assembled_agent import import_modules
from fake_azure import FakeAzure
from fake_http import serve

import_modules()
from agent import azure_metadata, azure_notice, errors, formats  # noqa: E402


class AzureNoticeTest(unittest.TestCase):
    def setUp(self):
        FakeAzure.reset()
        self.url = serve(self, FakeAzure)
        self.sleeps = []
        self.metadata = azure_metadata.AzureMetadata({'imdsEndpoint': self.url}, sleep=self.sleeps.append)
        self.watcher = self.make()

    def make(self, **options):
        return azure_notice.AzureNoticeWatcher(self.metadata, sleep=self.sleeps.append, **options)

    def event_requests(self, method='GET'):
        return [r for r in FakeAzure.requests if r[1] == '/metadata/scheduledevents' and r[0] == method]

    def test_polls_once_a_second_and_ignores_events_that_are_not_an_eviction_of_this_vm(self):
        FakeAzure.add_event('Preempt', resources=['another-vm'], not_before=time.time() + 30, event_id='other')
        FakeAzure.add_event('Reboot', resources=['spotbox-vm-1'], not_before=time.time() + 30, event_id='reboot')
        self.watcher.watch(2)
        self.assertEqual(self.watcher.poll(), (None, None))
        self.assertEqual(self.sleeps, [1.0, 1.0])
        self.assertTrue(all(r[3]['metadata'] == 'true' and r[2] == {'api-version': '2020-07-01'} for r in self.event_requests()))
        self.assertEqual(FakeAzure.problems, [])

    def test_a_preempt_event_for_this_vm_is_the_notice_with_not_before_as_its_time(self):
        not_before = int(time.time()) + 45
        FakeAzure.add_event('Preempt', resources=['Spotbox-VM-1'], not_before=not_before, event_id='E-42')
        self.watcher.watch(1)
        text, rebalance = self.watcher.poll()
        notice = json.loads(text)
        self.assertEqual((notice['action'], notice['eventId'], rebalance), ('preempt', 'E-42', None))
        self.assertEqual(formats.parse_time(notice['time']), not_before)
        self.assertLess(abs(formats.parse_time(notice['noticeTime']) - time.time()), 10)
        self.watcher.watch(1)
        self.assertEqual(self.watcher.poll()[0], text, 'the same text: one notice, not one per poll')

    def test_a_started_terminate_event_has_no_not_before_and_is_due_now(self):
        FakeAzure.add_event('Terminate', status='Started', event_id='T-1')
        self.watcher.watch(1)
        notice = json.loads(self.watcher.poll()[0])
        self.assertEqual(notice['action'], 'terminate')
        self.assertLess(abs(formats.parse_time(notice['time']) - time.time()), 5)

    def test_the_first_call_may_take_long_and_is_not_an_error_meanwhile(self):
        FakeAzure.first_call_delay = 1.5
        watcher = self.make(first_timeout=10, timeout=0.5)
        thread = threading.Thread(target=watcher.watch, args=(2,))
        thread.start()
        time.sleep(0.5)
        self.assertEqual(watcher.poll(), (None, None), 'still waiting for the service to start: no error')
        thread.join(10)
        self.assertEqual(watcher.poll(), (None, None))
        self.assertEqual(len(self.event_requests()), 2, FakeAzure.requests)
        self.assertEqual(self.sleeps, [1.0, 1.0], 'the slow first call did not count as a failure')

    def test_a_short_first_timeout_would_have_failed(self):
        # The same slow start with the later calls' timeout: the reason the first call gets a long one.
        FakeAzure.first_call_delay = 1.5
        watcher = self.make(first_timeout=0.5, timeout=0.5)
        watcher.watch(1)
        with self.assertRaisesRegex(errors.Fail, 'scheduled events: .*timed out'):
            watcher.poll()

    def test_errors_are_retried_with_growing_backoff_and_cleared_by_an_answer(self):
        FakeAzure.fail['events'] = [500, 503, 429]
        self.watcher.watch(3)
        self.assertEqual(len(self.sleeps), 3)
        self.assertLess(self.sleeps[0], self.sleeps[2])
        with self.assertRaisesRegex(errors.Fail, 'HTTP 429'):
            self.watcher.poll()
        self.watcher.watch(1)
        self.assertEqual(self.watcher.poll(), (None, None))

    def test_acknowledges_the_notice_event_once(self):
        self.assertIsNone(self.watcher.notice_checkpointed(), 'no notice, nothing to acknowledge')
        self.assertEqual(self.event_requests('POST'), [])
        FakeAzure.add_event('Preempt', not_before=time.time() + 30, event_id='E-7')
        self.watcher.watch(1)
        FakeAzure.fail['events-post'] = [503]
        self.assertEqual(self.watcher.notice_checkpointed(), {'eventIds': ['E-7']})
        self.assertEqual(FakeAzure.started, ['E-7'])
        self.assertEqual(len(self.event_requests('POST')), 2, 'a 503 is retried')
        self.assertIsNone(self.watcher.notice_checkpointed())
        self.assertEqual(len(self.event_requests('POST')), 2, 'acknowledged once')

    def test_a_refused_acknowledgement_is_an_error(self):
        FakeAzure.add_event('Preempt', not_before=time.time() + 30, event_id='E-8')
        self.watcher.watch(1)
        FakeAzure.fail['events-post'] = [400]
        with self.assertRaisesRegex(errors.Fail, 'E-8: HTTP 400'):
            self.watcher.notice_checkpointed()

    def test_rfc1123_times(self):
        self.assertEqual(azure_notice.rfc1123_epoch('Mon, 19 Sep 2016 18:29:47 GMT'), 1474309787)
        self.assertEqual(azure_notice.rfc1123_epoch(email.utils.formatdate(1700000000, usegmt=True)), 1700000000)
        self.assertIsNone(azure_notice.rfc1123_epoch(''))
        self.assertIsNone(azure_notice.rfc1123_epoch('soon'))


if __name__ == '__main__':
    unittest.main()
