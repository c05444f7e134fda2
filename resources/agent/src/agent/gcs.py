"""Google Cloud Storage through its JSON API: the checkpoint bucket's client on Google Cloud, with the calls the S3
client has (list, get, put, copy, upload_large, delete), so checkpoints, manifests and restores are the same."""
import hashlib
import json
import os
import random
import threading
import time
import urllib.parse

from .errors import Cancelled, Fail, NET_ERRORS, StoreError
from .formats import as_json
from .s3 import PART, every_page
from .transport import http_call

GCS_ORIGIN = 'https://storage.googleapis.com'
# A resumable upload's chunks, but the last, must be multiples of 256 KiB (Google's rule); PART (8 MiB) is 32 of them.
RESUMABLE_QUANTUM = 256 << 10


def gcs_quote(text):
    """An object name in a URL path: every character but the unreserved ones escaped, `/` included."""
    return urllib.parse.quote(text, safe='-_.~')


class GcsError(StoreError):
    def __init__(self, what, status, data):
        message = ((as_json(data.decode('utf-8', 'replace')) or {}).get('error') or {}).get('message') if data else None
        StoreError.__init__(self, '%s: HTTP %d %s' % (what, status, (message or '')[:200]), status)


class Gcs:
    """Requests with the metadata server's token, retried on 5xx, 408, 429 and connection errors. Against
    STORAGE_EMULATOR_HOST no token is sent, as Google's client libraries do."""

    def __init__(self, cfg, metadata, on_retry=None, stop=None, deadline=None):
        emulator = os.environ.get('STORAGE_EMULATOR_HOST')
        origin = cfg.get('gcsEndpoint') or emulator or GCS_ORIGIN
        self.origin = (origin if '://' in origin else 'http://' + origin).rstrip('/')
        self.anonymous = not cfg.get('gcsEndpoint') and bool(emulator)
        self.bucket, self.metadata, self.on_retry = cfg['bucket'], metadata, on_retry
        self.stop, self.deadline = stop or threading.Event(), deadline
        self.attempts, self.timeout = max(1, int(cfg['uploadAttempts'])), 60

    def call(self, method, url, query=(), headers=None, body=b'', ok=(200,), what=None, attempts=None):
        """(status, headers, data) of a request to `url` (a path on the origin, or a whole URL); `attempts` overrides the config's."""
        url = (url if '://' in url else self.origin + url) + ('?' + urllib.parse.urlencode(list(query)) if query else '')
        what = what or '%s %s' % (method, url)
        refreshed, attempts = False, attempts or self.attempts
        for attempt in range(1, attempts + 1):
            if self.stop.is_set():
                raise Cancelled('cancelled: ' + what)
            sent = dict(headers or {})
            if not self.anonymous:
                sent['authorization'] = 'Bearer ' + self.metadata.token()
            try:
                status, reply_headers, data = http_call(url, method, sent, body if method in ('PUT', 'POST') else None, self.timeout)
            except NET_ERRORS as e:
                problem = '%s: %s' % (type(e).__name__, e)
            else:
                if status in ok:
                    return status, reply_headers, data
                if status == 401 and not refreshed and not self.anonymous:
                    # A token revoked or expired early: one more try with a fresh one, at once.
                    self.metadata.forget_token()
                    refreshed = True
                    continue
                if status < 500 and status not in (408, 429):
                    raise GcsError(what, status, data)
                problem = 'HTTP %d' % status
            delay = min(8, 0.5 * 2 ** attempt) * random.uniform(0.5, 1)
            if attempt == attempts or (self.deadline and time.time() + delay > self.deadline):
                raise Fail('%s failed after %d attempt(s): %s' % (what, attempt, problem))
            if self.on_retry:
                self.on_retry(what=what, attempt=attempt, error=problem, delaySeconds=round(delay, 2))
            time.sleep(delay)

    def object_path(self, key):
        return '/storage/v1/b/%s/o/%s' % (gcs_quote(self.bucket), gcs_quote(key))

    def where(self, key):
        return 'gs://%s/%s' % (self.bucket, key)

    def list(self, prefix, delimiter=None):
        """(names, common prefixes) under prefix, all pages (following nextPageToken)."""
        def page(token):
            query = [('prefix', prefix)] + ([('delimiter', delimiter)] if delimiter else []) + ([('pageToken', token)] if token else [])
            data = self.call('GET', '/storage/v1/b/%s/o' % gcs_quote(self.bucket), query, what='list ' + self.where(prefix))[2]
            found = as_json(data.decode('utf-8', 'replace')) or {}
            return [item['name'] for item in found.get('items', [])], found.get('prefixes', []), found.get('nextPageToken')
        return every_page(page)

    def get(self, key, first=None, size=None):
        """The object's bytes (a PART-sized range of them when `size` is given); None if there is no such object."""
        headers = {'range': 'bytes=%d-%d' % (first, min(size, first + PART) - 1)} if size else {}
        try:
            return self.call('GET', self.object_path(key), [('alt', 'media')], headers, ok=(200, 206), what='GET ' + self.where(key))[2]
        except GcsError as e:
            if e.status != 404:
                raise

    def put(self, key, body, headers=None):
        """A simple media upload (uploadType=media): the whole body in one request."""
        content_type = (headers or {}).get('content-type') or 'application/octet-stream'
        return self.call('POST', '/upload/storage/v1/b/%s/o' % gcs_quote(self.bucket), [('uploadType', 'media'), ('name', key)],
                         {'content-type': content_type}, body, what='PUT ' + self.where(key))[1]

    def copy(self, source_key, key):
        """A copy inside the bucket (objects.copyTo); GcsError if the service refuses it."""
        self.call('POST', '%s/copyTo/b/%s/o/%s' % (self.object_path(source_key), gcs_quote(self.bucket), gcs_quote(key)),
                  headers={'content-type': 'application/json'}, body=b'{}', what='copy %s to %s' % (self.where(source_key), key))

    def delete(self, keys):
        for key in keys:
            # Gone already (404) is what was wanted.
            self.call('DELETE', self.object_path(key), ok=(200, 204, 404), what='DELETE ' + self.where(key))

    def upload_large(self, path, key, pool=None, slots=None, on_part=None):
        """A file over PART bytes as a resumable upload, in PART-sized chunks sent in order (a resumable upload takes
        them one after another; `pool` and `slots`, for send_parts on S3 and Blob storage, go unused). The chunk read ahead
        tells whether this one is the last, which alone names the total size. (sha256, size) of what was sent."""
        what = 'resumable upload of ' + self.where(key)
        _, headers, _ = self.call('POST', '/upload/storage/v1/b/%s/o' % gcs_quote(self.bucket), [('uploadType', 'resumable'), ('name', key)],
                                  {'content-type': 'application/json; charset=UTF-8', 'x-upload-content-type': 'application/octet-stream'},
                                  json.dumps({'name': key}).encode(), what=what)
        session = headers.get('location')
        if not session:
            raise Fail('%s: no session URI in the answer' % what)
        digest, offset = hashlib.sha256(), 0
        with open(path, 'rb') as f:
            chunk = f.read(PART)
            while True:
                following = f.read(PART)
                digest.update(chunk)
                total = None if following else offset + len(chunk)
                self.send_chunk(session, chunk, offset, total, what)
                offset += len(chunk)
                if on_part:
                    on_part()
                if not following:
                    return digest.hexdigest(), offset
                chunk = following

    def send_chunk(self, session, chunk, offset, total, what):
        """PUTs bytes [offset, offset + len(chunk)) of the upload. After a failed PUT it asks the service what it kept
        (`Content-Range: bytes */<total>`) and goes on from there, as Google documents for resuming an upload."""
        end, sent, tries = offset + len(chunk), 0, 0
        size = '*' if total is None else str(total)
        while True:
            tries += 1
            try:
                status, headers, _ = self.call('PUT', session, headers={'content-range': 'bytes %d-%d/%s' % (offset + sent, end - 1, size)},
                                               body=chunk[sent:], ok=(200, 201, 308), what=what, attempts=1)
            except Fail as e:
                if isinstance(e, StoreError) or tries >= self.attempts:
                    raise
                if self.on_retry:
                    self.on_retry(what=what, attempt=tries, error=str(e), delaySeconds=0)
                status, headers, _ = self.call('PUT', session, headers={'content-range': 'bytes */%s' % size}, ok=(200, 201, 308), what=what)
            if status in (200, 201):
                if total is None:
                    raise Fail('%s: the service ended the upload before its last chunk' % what)
                return
            # 308: `Range: bytes=0-N` is what the service has kept of the whole object (nothing without the header).
            kept = int(headers['range'].rsplit('-', 1)[1]) + 1 if headers.get('range') else 0
            if kept == end and total is None:
                return
            if not offset <= kept < end:
                raise Fail('%s: the service kept %d bytes, outside this chunk (%d-%d)' % (what, kept, offset, end - 1))
            if tries >= self.attempts:
                raise Fail('%s: the service kept %d of %d bytes after %d tries' % (what, kept, end, tries))
            sent = kept - offset
