"""The spot notice on Compute Engine: `instance/preempted` turning TRUE, or a host maintenance that terminates the VM,
each watched by a long poll of the metadata server in its own thread."""
import json
import random
import threading
import time

from .errors import Fail, NET_ERRORS
from .formats import now_iso

# A Spot VM is stopped 30 s after preemption starts (ACPI soft off, then hard off); the upload must end before.
PREEMPTION_SECONDS = 30
# What the daemon journals for each watched value, when the value says the VM is going.
GCP_NOTICES = {
    'instance/preempted': ('TRUE', 'preempted'),
    'instance/maintenance-event': ('TERMINATE_ON_HOST_MAINTENANCE', 'terminate-on-host-maintenance'),
}


class GcpNoticeWatcher:
    """poll() answers at once from what the long polls have seen, in the shape of EC2's instance action
    ({"action", "time"}), so the daemon handles both clouds alike. GCP has no rebalance recommendation."""

    unreachable_code = 'metadata-unreachable'

    def __init__(self, metadata, wait_seconds=60, sleep=time.sleep, backoff_cap=30.0):
        self.metadata, self.wait_seconds, self.sleep, self.backoff_cap = metadata, wait_seconds, sleep, backoff_cap
        self.notice, self.error, self.lock, self.threads = None, None, threading.Lock(), []

    def start(self):
        for path in GCP_NOTICES:
            thread = threading.Thread(target=self.watch, args=(path,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def poll(self):
        """(the notice's JSON text or None, None); raises while the metadata server fails and no notice has come."""
        with self.lock:
            if self.notice is None and self.error:
                raise Fail(self.error)
            return self.notice, None

    def watch(self, path, rounds=None):
        """Reads `path`, then long-polls it from its ETag; retries with backoff on 503 and connection errors.
        `rounds` bounds the requests (tests); the daemon's threads go on for the life of the agent."""
        etag, failures = None, 0
        while rounds is None or rounds > 0:
            rounds = None if rounds is None else rounds - 1
            try:
                status, new_etag, text = self.metadata.get(path, etag, self.wait_seconds) if etag else self.metadata.get(path)
            except NET_ERRORS as e:
                status, text = None, '%s: %s' % (type(e).__name__, e)
            if status == 200:
                failures, etag = 0, new_etag or etag
                with self.lock:
                    self.error = None
                self.seen(path, text.strip())
                if not etag:
                    # A server that gives no ETag cannot be long-polled: read it again a second later.
                    self.sleep(1)
                continue
            failures += 1
            with self.lock:
                self.error = 'metadata %s: %s' % (path, text if status is None else 'HTTP %d' % status)
            if status not in (None, 500, 502, 503, 504):
                # A 404 or 403 will not change by asking again soon: ask again, but slowly.
                failures = max(failures, 6)
            # The ETag may be stale after an error: the next request reads afresh.
            etag = None
            self.sleep(min(self.backoff_cap, 0.5 * 2 ** failures) * random.uniform(0.5, 1))

    def seen(self, path, value):
        expected, action = GCP_NOTICES[path]
        if value == expected:
            with self.lock:
                if self.notice is None:
                    # Written once: the daemon takes a changed text for a new notice.
                    self.notice = json.dumps({'action': action, 'time': iso_after(PREEMPTION_SECONDS), 'noticeTime': now_iso()})

    def notice_checkpointed(self):
        """Compute Engine takes no acknowledgement: the VM stops 30 s after preemption starts whatever the agent does."""
        return None


def iso_after(seconds):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + seconds))
