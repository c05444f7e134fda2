"""The Compute Engine metadata server: plain and long-poll reads, the instance id, and the service account's token."""
import os
import threading
import time
import urllib.parse

from .errors import Fail
from .formats import as_json
from .transport import http_call

# Google's client libraries read the metadata server's host[:port] from GCE_METADATA_HOST; so does the agent.
DEFAULT_METADATA_HOST = 'metadata.google.internal'


class GcpMetadata:
    """Every request carries `Metadata-Flavor: Google`, which the server requires (and which a proxy would not forward)."""

    def __init__(self, cfg):
        host = cfg.get('gceMetadataHost') or os.environ.get('GCE_METADATA_HOST') or DEFAULT_METADATA_HOST
        self.base = (host if '://' in host else 'http://' + host).rstrip('/') + '/computeMetadata/v1/'
        self.token_value, self.token_expires, self.lock = None, 0.0, threading.Lock()

    def get(self, path, last_etag=None, timeout_sec=None):
        """(HTTP status, ETag, text) of `path`. With `last_etag`, a long poll: the server answers once the value's
        ETag differs from it, or after `timeout_sec` with the value unchanged."""
        query = ''
        if last_etag is not None:
            query = '?' + urllib.parse.urlencode([('wait_for_change', 'true'), ('last_etag', last_etag), ('timeout_sec', str(int(timeout_sec)))])
        # The connection's timeout outlasts the server's own, which answers when timeout_sec runs out.
        status, headers, body = http_call(self.base + path + query, headers={'Metadata-Flavor': 'Google'}, timeout=(timeout_sec or 0) + 10)
        return status, headers.get('etag'), body.decode('utf-8', 'replace')

    def instance_id(self):
        status, _, text = self.get('instance/id')
        if status != 200:
            raise Fail('metadata instance/id: HTTP %d' % status)
        return text.strip()

    def token(self):
        """The default service account's access token, fetched again a minute before it expires (or once refused)."""
        with self.lock:
            if not self.token_value or time.time() > self.token_expires - 60:
                status, _, text = self.get('instance/service-accounts/default/token')
                doc = as_json(text) if status == 200 else None
                if not isinstance(doc, dict) or not doc.get('access_token'):
                    raise Fail('no Google credentials: the metadata server gave no token (HTTP %d); give the VM a service account with storage access' % status)
                self.token_value, self.token_expires = doc['access_token'], time.time() + float(doc.get('expires_in') or 0)
            return self.token_value

    def forget_token(self):
        with self.lock:
            self.token_value = None
