"""Path-style S3 requests, signed with SigV4, with retries.

SigV4 comes from spotbox_bootstrap.py, the one copy of it: the launch's user data runs the bootstrap first, and the
bootstrap installs the agent beside itself."""
import base64
import hashlib
import os
import random
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape
from spotbox_bootstrap import quote, sign

from .errors import Cancelled, Fail, NET_ERRORS, StoreError
from .transport import http_call


PART = 8 << 20


def send_parts(path, part, pool, slots, send_part):
    """The file at `path` in chunks of `part` bytes, each `send_part(number, chunk)` (numbers from 1) run on `pool`:
    the parallel parts of S3's multipart upload and Blob storage's blocks. Each chunk is read after taking one of
    `slots` (which bounds the memory held by parts not yet sent), released when its job ends. Reading stops once a
    part has failed. (send_part's results in file order, sha256, size) of what was sent; the first failed part's
    error (in file order) is raised."""
    jobs, digest, size = [], hashlib.sha256(), 0
    with open(path, 'rb') as f:
        while not any(j.done() and j.exception() for j in jobs):
            slots.acquire()
            chunk = f.read(part)
            if not chunk:
                slots.release()
                break
            digest.update(chunk)
            size += len(chunk)
            jobs.append(pool.submit(send_part_then_release, send_part, len(jobs) + 1, chunk, slots))
    return [j.result() for j in jobs], digest.hexdigest(), size


def send_part_then_release(send_part, number, chunk, slots):
    try:
        return send_part(number, chunk)
    finally:
        slots.release()


def every_page(page):
    """(keys, common prefixes) of a listing, all pages: `page(token)` answers one as (keys, prefixes, the next page's
    token or None), asked with None first."""
    keys, prefixes, token = [], [], None
    while True:
        more_keys, more_prefixes, token = page(token)
        keys += more_keys
        prefixes += more_prefixes
        if not token:
            return keys, prefixes


def xml_root(data):
    root = ET.fromstring(data)
    for element in root.iter():
        element.tag = element.tag.split('}')[-1]
    return root


def error_code(data):
    try:
        return xml_root(data).findtext('Code') or ''
    except ET.ParseError:
        return ''


class S3Error(StoreError):
    def __init__(self, what, status, data):
        StoreError.__init__(self, '%s: HTTP %d %s' % (what, status, error_code(data)), status)


class S3:
    """Path-style S3 requests with retries of 5xx, throttling and connection errors."""

    def __init__(self, cfg, metadata, on_retry=None, stop=None, deadline=None):
        env = os.environ
        self.region = cfg.get('region') or env.get('AWS_REGION') or env.get('AWS_DEFAULT_REGION') or 'us-east-1'
        u = urllib.parse.urlsplit(cfg.get('s3Endpoint') or env.get('SPOTBOX_S3_ENDPOINT') or env.get('AWS_ENDPOINT_URL_S3')
                                  or env.get('AWS_ENDPOINT_URL') or 'https://s3.%s.amazonaws.com' % self.region)
        self.origin, self.host, self.bucket = u.scheme + '://' + u.netloc, u.netloc, cfg['bucket']
        self.metadata, self.on_retry, self.stop, self.deadline = metadata, on_retry, stop or threading.Event(), deadline
        self.attempts, self.timeout = max(1, int(cfg['uploadAttempts'])), 60

    def call(self, method, key=None, query=(), headers=None, body=b'', ok=(200,)):
        path = '/' + quote(self.bucket) + ('' if key is None else '/' + quote(key, '/-_.~'))
        what = '%s s3://%s/%s' % (method, self.bucket, key or '')
        url = self.origin + path + ('?' + '&'.join('%s=%s' % (quote(k), quote(v)) for k, v in sorted(query)) if query else '')
        for attempt in range(1, self.attempts + 1):
            if self.stop.is_set():
                raise Cancelled('cancelled: ' + what)
            ak, sk, token = self.metadata.credentials()
            owner, headers = self.metadata.account(), dict(headers or {})
            if owner:
                headers['x-amz-expected-bucket-owner'] = owner
                if 'x-amz-copy-source' in headers:
                    headers['x-amz-source-expected-bucket-owner'] = owner
            signed = sign(method, self.host, path, query, headers, hashlib.sha256(body).hexdigest(), ak, sk, token, self.region,
                          time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()))
            try:
                status, reply_headers, data = http_call(url, method, signed, body if method in ('PUT', 'POST') else None, self.timeout)
            except NET_ERRORS as e:
                problem = '%s: %s' % (type(e).__name__, e)
            else:
                # CopyObject and CompleteMultipartUpload can fail after a 200: the error is in the body.
                if status in ok and (method == 'GET' or b'<Error>' not in data[:300]):
                    return reply_headers, data
                if status < 500 and status not in (200, 408, 429):
                    raise S3Error(what, status, data)
                problem = 'HTTP %d %s' % (status, error_code(data))
            delay = min(8, 0.5 * 2 ** attempt) * random.uniform(0.5, 1)
            if attempt == self.attempts or (self.deadline and time.time() + delay > self.deadline):
                raise Fail('%s failed after %d attempt(s): %s' % (what, attempt, problem))
            if self.on_retry:
                self.on_retry(what=what, attempt=attempt, error=problem, delaySeconds=round(delay, 2))
            time.sleep(delay)

    def copy(self, source_key, key):
        """A server-side copy of an object of this bucket (CopyObject); S3Error if the store cannot."""
        self.put(key, b'', headers={'x-amz-copy-source': quote('/%s/%s' % (self.bucket, source_key), '/-_.~')})

    def list(self, prefix, delimiter=None):
        """(keys, common prefixes) under prefix, all pages (ListObjectsV2, following NextContinuationToken)."""
        def page(token):
            query = [('list-type', '2'), ('prefix', prefix)] + ([('delimiter', delimiter)] if delimiter else []) + ([('continuation-token', token)] if token else [])
            root = xml_root(self.call('GET', None, query)[1])
            return ([e.text for e in root.findall('Contents/Key')], [e.text for e in root.findall('CommonPrefixes/Prefix')],
                    root.findtext('NextContinuationToken') if root.findtext('IsTruncated') == 'true' else None)
        return every_page(page)

    def get(self, key, first=None, size=None):
        try:
            return self.call('GET', key, headers={'range': 'bytes=%d-%d' % (first, min(size, first + PART) - 1)} if size else {}, ok=(200, 206))[1]
        except S3Error as e:
            if e.status != 404:
                raise

    def put(self, key, body, query=(), headers=None):
        return self.call('PUT', key, query, headers, body)[0]

    def delete(self, keys):
        for i in range(0, len(keys), 1000):
            body = ('<Delete><Quiet>true</Quiet>%s</Delete>' % ''.join('<Object><Key>%s</Key></Object>' % escape(k) for k in keys[i:i + 1000])).encode()
            self.call('POST', None, [('delete', '')], {'content-md5': base64.b64encode(hashlib.md5(body).digest()).decode()}, body)

    def upload_large(self, path, key, pool, slots, on_part):
        """A file over PART bytes as a multipart upload: parts of PART bytes sent in parallel on `pool` (send_parts),
        then CompleteMultipartUpload, or AbortMultipartUpload when anything failed. (sha256, size) of what was sent."""
        upload = xml_root(self.call('POST', key, [('uploads', '')])[1]).findtext('UploadId')

        def send_part(number, chunk):
            etag = self.put(key, chunk, [('partNumber', str(number)), ('uploadId', upload)])['etag']
            on_part()
            return etag
        try:
            etags, sha, size = send_parts(path, PART, pool, slots, send_part)
            parts = ''.join('<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>' % (n + 1, escape(etag)) for n, etag in enumerate(etags))
            self.call('POST', key, [('uploadId', upload)], body=('<CompleteMultipartUpload>%s</CompleteMultipartUpload>' % parts).encode())
        except BaseException:
            try:
                self.call('DELETE', key, [('uploadId', upload)], ok=(200, 204, 404))
            except Exception:
                pass  # An open upload costs storage until a lifecycle rule aborts it; the checkpoint already failed.
            raise
        return sha, size
