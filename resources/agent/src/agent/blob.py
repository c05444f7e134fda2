"""Azure Blob storage through its REST API: the checkpoint container's client on Azure, with the calls the S3 client
has (list, get, put, copy, upload_large, delete), so checkpoints, manifests and restores are the same."""
import base64
import random
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape

from .errors import Cancelled, Fail, NET_ERRORS, StoreError
from .s3 import PART, error_code, every_page, send_parts, xml_root
from .transport import http_call

# The REST version sent with every request: bearer tokens need 2017-11-09 or later; Azurite 3.35 knows this one.
BLOB_API_VERSION = '2021-08-06'
# A pending server-side copy is asked about this often, at most COPY_WAIT seconds in all.
COPY_POLL, COPY_WAIT = 0.5, 600


def blob_endpoint(cfg):
    """`blobEndpoint` (https://<account>.blob.core.windows.net, or Azurite's path-style https://host:10000/<account>),
    else the public endpoint of `storageAccount`."""
    endpoint = cfg.get('blobEndpoint') or ('https://%s.blob.core.windows.net' % cfg['storageAccount'] if cfg.get('storageAccount') else None)
    if not endpoint:
        raise Fail('the agent config has neither "blobEndpoint" nor "storageAccount"')
    return endpoint.rstrip('/')


def rfc1123_now():
    return time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())


def block_id(number):
    """Block ids of one blob must all have the same length before base64 (Azure's rule); 6 digits is 50 000 blocks."""
    return base64.b64encode(b'block-%06d' % number).decode()


class BlobError(StoreError):
    def __init__(self, what, status, data, headers=None):
        # Azure names the error in the XML body (<Error><Code>) and, but for HEAD, in x-ms-error-code.
        self.code = error_code(data) if data else ''
        self.code = self.code or (headers or {}).get('x-ms-error-code', '')
        StoreError.__init__(self, '%s: HTTP %d %s' % (what, status, self.code), status)


class Blob:
    """Requests with the managed identity's token (IMDS), retried on 5xx, 408, 429 and connection errors; one 401
    (a token expired or revoked early) is retried at once with a fresh token."""

    def __init__(self, cfg, metadata, on_retry=None, stop=None, deadline=None):
        self.endpoint, self.container = blob_endpoint(cfg), cfg.get('container') or cfg['bucket']
        self.metadata, self.on_retry, self.stop, self.deadline = metadata, on_retry, stop or threading.Event(), deadline
        self.attempts, self.timeout = max(1, int(cfg['uploadAttempts'])), 60

    def url(self, key=None):
        return '%s/%s' % (self.endpoint, self.container) + ('' if key is None else '/' + urllib.parse.quote(key, safe='/-_.~'))

    def where(self, key):
        return self.url(key)

    def call(self, method, key=None, query=(), headers=None, body=b'', ok=(200,), what=None):
        """(status, headers, data) of a request for `key` (the container itself when None)."""
        url = self.url(key) + ('?' + urllib.parse.urlencode(list(query)) if query else '')
        what = what or '%s %s' % (method, self.url(key))
        refreshed = False
        for attempt in range(1, self.attempts + 1):
            if self.stop.is_set():
                raise Cancelled('cancelled: ' + what)
            sent = dict(headers or {}, authorization='Bearer ' + self.metadata.token())
            sent.update({'x-ms-version': BLOB_API_VERSION, 'x-ms-date': rfc1123_now()})
            if method == 'PUT':
                # Azure wants a length on every PUT, 0 included (http.client sends none for an empty body).
                sent['content-length'] = str(len(body))
            try:
                status, reply_headers, data = http_call(url, method, sent, body if method in ('PUT', 'POST') else None, self.timeout)
            except NET_ERRORS as e:
                problem = '%s: %s' % (type(e).__name__, e)
            else:
                if status in ok:
                    return status, reply_headers, data
                # 401 is Azure's answer to an expired or revoked token; Azurite (and a clock-skewed token) says 403 AuthenticationFailed.
                if (status == 401 or (status == 403 and error_code(data) == 'AuthenticationFailed')) and not refreshed:
                    self.metadata.forget_token()
                    refreshed = True
                    continue
                if status < 500 and status not in (408, 429):
                    raise BlobError(what, status, data, reply_headers)
                problem = 'HTTP %d %s' % (status, error_code(data) if data else reply_headers.get('x-ms-error-code', ''))
            delay = min(8, 0.5 * 2 ** attempt) * random.uniform(0.5, 1)
            if attempt == self.attempts or (self.deadline and time.time() + delay > self.deadline):
                raise Fail('%s failed after %d attempt(s): %s' % (what, attempt, problem))
            if self.on_retry:
                self.on_retry(what=what, attempt=attempt, error=problem, delaySeconds=round(delay, 2))
            time.sleep(delay)

    def list(self, prefix, delimiter=None):
        """(names, common prefixes) under prefix, all pages (List Blobs, following NextMarker)."""
        def page(marker):
            query = [('restype', 'container'), ('comp', 'list'), ('prefix', prefix)] + ([('delimiter', delimiter)] if delimiter else []) + \
                ([('marker', marker)] if marker else [])
            root = xml_root(self.call('GET', None, query, what='list ' + self.where(prefix))[2])
            return [e.text for e in root.findall('Blobs/Blob/Name')], [e.text for e in root.findall('Blobs/BlobPrefix/Name')], root.findtext('NextMarker')
        return every_page(page)

    def get(self, key, first=None, size=None):
        """The blob's bytes (a PART-sized range of them when `size` is given); None if there is no such blob."""
        headers = {'x-ms-range': 'bytes=%d-%d' % (first, min(size, first + PART) - 1)} if size else {}
        try:
            return self.call('GET', key, headers=headers, ok=(200, 206))[2]
        except BlobError as e:
            # A missing container is a misconfiguration, not a missing checkpoint: that one is raised.
            if e.code != 'BlobNotFound':
                raise

    def put(self, key, body, headers=None):
        """Put Blob: a block blob in one request."""
        sent = {'x-ms-blob-type': 'BlockBlob', 'content-type': (headers or {}).get('content-type') or 'application/octet-stream'}
        return self.call('PUT', key, headers=sent, body=body, ok=(201,), what='PUT ' + self.where(key))[1]

    def copy(self, source_key, key):
        """Copy Blob inside the account (the caller's token authorizes the source too); waits until x-ms-copy-status
        is success. BlobError if the service refuses it, or the copy fails or is aborted."""
        what = 'copy %s to %s' % (self.where(source_key), key)
        _, headers, _ = self.call('PUT', key, headers={'x-ms-copy-source': self.url(source_key)}, ok=(202,), what=what)
        status, copy_id, waited = headers.get('x-ms-copy-status'), headers.get('x-ms-copy-id'), 0.0
        while status == 'pending' and waited < COPY_WAIT:
            time.sleep(COPY_POLL)
            waited += COPY_POLL
            headers = self.call('HEAD', key, what=what)[1]
            if headers.get('x-ms-copy-id') != copy_id:
                raise BlobError(what + ' (another copy or write took the blob)', 409, b'')
            status = headers.get('x-ms-copy-status')
        if status != 'success':
            raise BlobError('%s: copy %s' % (what, status), 409, b'', {'x-ms-error-code': 'Copy' + str(status).capitalize()})

    def delete(self, keys):
        for key in keys:
            # Gone already (404) is what was wanted.
            self.call('DELETE', key, ok=(202, 404), what='DELETE ' + self.where(key))

    def upload_large(self, path, key, pool, slots, on_part):
        """A file over PART bytes as blocks of PART bytes sent in parallel on `pool` (Put Block, send_parts), then
        Put Block List, which commits them in file order. Uncommitted blocks of a failed upload are discarded by Azure
        after a week. (sha256, size) of what was sent."""
        def put_block(number, chunk):
            block = block_id(number)
            self.call('PUT', key, [('comp', 'block'), ('blockid', block)], body=chunk, ok=(201,), what='Put Block %s of %s' % (block, self.where(key)))
            on_part()
            return block
        ids, sha, size = send_parts(path, PART, pool, slots, put_block)
        body = ('<?xml version="1.0" encoding="utf-8"?><BlockList>%s</BlockList>' % ''.join('<Latest>%s</Latest>' % escape(i) for i in ids)).encode()
        self.call('PUT', key, [('comp', 'blocklist')], {'content-type': 'application/xml', 'x-ms-blob-content-type': 'application/octet-stream'},
                  body, ok=(201,), what='Put Block List ' + self.where(key))
        return sha, size
