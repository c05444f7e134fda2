"""Times and JSON as IMDS, the journal and manifests write them."""
import datetime as dt
import json
import re
import time


def now_iso():
    t = time.time()
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t)) + '.%03dZ' % (t % 1 * 1000)


def parse_time(text):
    """Epoch seconds of a UTC time such as IMDS's 2026-11-27T08:22:00Z; None if unreadable."""
    m = re.match(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]00:?00)?$', str(text or '').strip())
    if m:
        return dt.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S').replace(tzinfo=dt.timezone.utc).timestamp() + float(m.group(2) or 0)


def as_json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None
