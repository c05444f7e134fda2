"""The spot notice on Azure: Scheduled Events, polled about once a second, and its acknowledgement once the notice
checkpoint is in the store (which lets Azure evict the VM at once rather than at NotBefore)."""
import email.utils
import json
import random
import threading
import time

from .errors import Fail, NET_ERRORS
from .formats import now_iso

SCHEDULED_EVENTS = '/metadata/scheduledevents'
EVENTS_API = '2020-07-01'
# The first call turns Scheduled Events on for the VM and may take up to 2 minutes (Microsoft's documentation).
FIRST_CALL_TIMEOUT = 150
# What the daemon journals for each event type that ends the VM. Reboot, Redeploy and Freeze keep the disk and the
# VM: no checkpoint is lost to them.
AZURE_NOTICES = {'Preempt': 'preempt', 'Terminate': 'terminate'}


def rfc1123_epoch(text):
    """Epoch seconds of an RFC 1123 time ("Mon, 19 Sep 2016 18:29:47 GMT"); None when empty or unreadable."""
    try:
        return email.utils.parsedate_to_datetime(text).timestamp() if text else None
    except (TypeError, ValueError, IndexError):
        return None


def iso_at(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


class AzureNoticeWatcher:
    """poll() answers at once from what the polling thread has seen, in the shape of EC2's instance action
    ({"action", "time"}), so the daemon handles every cloud alike. Azure has no rebalance recommendation."""

    unreachable_code = 'imds-unreachable'

    def __init__(self, metadata, interval=1.0, sleep=time.sleep, first_timeout=FIRST_CALL_TIMEOUT, timeout=10, backoff_cap=30.0):
        self.metadata, self.interval, self.sleep = metadata, interval, sleep
        self.first_timeout, self.timeout, self.backoff_cap = first_timeout, timeout, backoff_cap
        self.notice, self.event_id, self.error, self.acknowledged = None, None, None, False
        self.lock, self.thread = threading.Lock(), None

    def start(self):
        # The first call is made now, at agent start, so the slow one that turns the service on is behind us by the
        # time an eviction comes.
        self.thread = threading.Thread(target=self.watch, daemon=True)
        self.thread.start()

    def poll(self):
        """(the notice's JSON text or None, None); raises while IMDS fails and no notice has come. While the first call
        is still waiting (the service starting) there is no error: slow is not broken."""
        with self.lock:
            if self.notice is None and self.error:
                raise Fail(self.error)
            return self.notice, None

    def watch(self, rounds=None):
        """GETs the events document every `interval`; retries with backoff on errors. `rounds` bounds the requests
        (tests); the daemon's thread goes on for the life of the agent."""
        failures, first = 0, True
        while rounds is None or rounds > 0:
            rounds = None if rounds is None else rounds - 1
            try:
                status, text = self.metadata.call(SCHEDULED_EVENTS, [('api-version', EVENTS_API)], timeout=self.first_timeout if first else self.timeout)
                if status == 200:
                    self.seen(json.loads(text))
            except NET_ERRORS + (Fail, ValueError, KeyError, TypeError) as e:
                status, text = None, '%s: %s' % (type(e).__name__, e)
            if status == 200:
                first, failures = False, 0
                with self.lock:
                    self.error = None
                self.sleep(self.interval)
                continue
            failures += 1
            with self.lock:
                self.error = 'scheduled events: %s' % (text if status is None else 'HTTP %d %s' % (status, text[:200]))
            self.sleep(min(self.backoff_cap, 0.5 * 2 ** failures) * random.uniform(0.5, 1))

    def seen(self, doc):
        """Takes the first Preempt or Terminate event naming this VM as the notice."""
        events = [e for e in doc.get('Events') or [] if e.get('EventType') in AZURE_NOTICES]
        if not events or self.notice is not None:
            return
        # Only now: the name costs an IMDS call, and an event for another VM of the availability set is not ours.
        name = self.metadata.vm_name().lower()
        for event in events:
            if name in [str(r).lower() for r in event.get('Resources') or []]:
                # NotBefore is '' once the event has Started: the eviction is under way, the time is now.
                when = rfc1123_epoch(event.get('NotBefore')) or time.time()
                with self.lock:
                    # Written once: the daemon takes a changed text for a new notice.
                    self.event_id = event.get('EventId')
                    self.notice = json.dumps({'action': AZURE_NOTICES[event['EventType']], 'time': iso_at(when), 'noticeTime': now_iso(),
                                              'eventId': self.event_id})
                return

    def notice_checkpointed(self):
        """The notice checkpoint's manifest is in the store: acknowledge the event, so Azure may evict the VM now
        rather than at NotBefore. Never before the checkpoint (the VM would go with it half sent); if the checkpoint
        fails this is not called, and Azure goes ahead at NotBefore anyway. The fields to journal, or None."""
        with self.lock:
            event_id, self.acknowledged = (None, True) if self.acknowledged else (self.event_id, bool(self.event_id))
        if not event_id:
            return None
        body = json.dumps({'StartRequests': [{'EventId': event_id}]}).encode()
        problem = None
        for attempt in range(3):
            try:
                status, text = self.metadata.call(SCHEDULED_EVENTS, [('api-version', EVENTS_API)], 'POST', body)
            except NET_ERRORS as e:
                problem = '%s: %s' % (type(e).__name__, e)
            else:
                if status == 200:
                    return {'eventIds': [event_id]}
                problem = 'HTTP %d %s' % (status, text[:200])
                if status < 500 and status != 429:
                    break
            self.sleep(0.5 * (attempt + 1))
        raise Fail('acknowledging scheduled event %s: %s' % (event_id, problem))
