#!/usr/bin/env python3
"""Spotbox on-box agent: checkpoints to S3 on a spot notice, periodically and on request.

Standard library only (a stock Deep Learning AMI has python3, not boto3), Python 3.8+.
Config, journal, S3 layout and command line: resources/agent/README.md.
"""
# The launch's user data carries this file without its comment lines, docstrings and blank lines
# (src/core/agent/agentUserData.ts), so comments cost nothing on the box: keep them for readers.
import argparse
import base64
import concurrent.futures as cf
import datetime as dt
import fcntl
import hashlib
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

# Installed beside this file by the launch's user data, which it runs first (the agent comes from the bucket).
from spotbox_bootstrap import quote, sign

PART = 8 << 20
# CopyObject copies at most 5 GiB in one request; bigger unchanged files are uploaded again.
COPY_MAX = 5 << 30
DEFAULTS = {
    'prefix': 'spotbox', 'journal': '~/.spotbox/journal.jsonl', 'triggerFile': '~/.spotbox/checkpoint-now',
    'quietSeconds': 2, 'intervalSeconds': 0, 'keep': 3, 'workspaceMaxBytes': 1 << 30, 'pollSeconds': 2,
    'noticeMarginSeconds': 10, 'settleTimeoutSeconds': 60, 'concurrency': 8, 'uploadAttempts': 6,
    'idleReportSeconds': 60, 'idleCpuPercent': 10, 'journalMaxBytes': 1 << 20,
}
NET_ERRORS = (OSError, http.client.HTTPException)


class Fail(Exception):
    pass


class Cancelled(Exception):
    pass


def now_iso():
    t = time.time()
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t)) + '.%03dZ' % (t % 1 * 1000)


def parse_time(text):
    """Epoch seconds of a UTC time such as IMDS's 2026-11-27T08:22:00Z; None if unreadable."""
    m = re.match(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]00:?00)?$', str(text or '').strip())
    if m:
        return dt.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S').replace(tzinfo=dt.timezone.utc).timestamp() + float(m.group(2) or 0)


def load_config(path):
    try:
        with open(os.path.expanduser(path)) as f:
            cfg = dict(DEFAULTS, **json.load(f))
    except (OSError, ValueError) as e:
        raise Fail('cannot read the agent config %s: %s' % (path, e))
    for key in ('bucket', 'session', 'checkpointDir'):
        if not cfg.get(key):
            raise Fail('the agent config %s has no "%s"' % (path, key))
    cfg['configFile'] = os.path.abspath(os.path.expanduser(path))
    for key in ('journal', 'triggerFile', 'checkpointDir', 'workspaceDir', 'sessionPidFile', 'checkpointCommandDir', 'stepFile'):
        if cfg.get(key):
            cfg[key] = os.path.abspath(os.path.expanduser(cfg[key]))
    cfg['prefix'] = cfg['prefix'].strip('/')
    # AWS advises polling every 5 s; 2 s (as the node termination handler does) leaves more of the 2 minutes.
    cfg['pollSeconds'] = min(2.0, max(0.2, float(cfg['pollSeconds'])))
    return cfg


class Journal:
    def __init__(self, path, max_bytes=DEFAULTS['journalMaxBytes']):
        self.path, self.max_bytes, self.lock = path, max_bytes, threading.Lock()
        os.makedirs(os.path.dirname(path), exist_ok=True)

    def write(self, kind, **fields):
        event = dict(time=now_iso(), type=kind, **{k: v for k, v in fields.items() if v is not None})
        # One whole line per write, under a lock: readers never see half an event.
        with self.lock:
            with open(self.path, 'a') as f:
                f.write(json.dumps(event, separators=(',', ':')) + '\n')
                full = f.tell() >= self.max_bytes
            # One old generation is kept, renamed in one step: a reader finds the whole file under one of the two names,
            # and the editor's tail finishes `.1` before it reads the new journal (src/core/recovery/journalFollowCommand.ts).
            if full:
                os.replace(self.path, self.path + '.1')


def read_journal(path):
    events = []
    # The older generation first: an answer written just before a rotation is in `.1`.
    for name in (path + '.1', path):
        try:
            with open(name) as f:
                for line in f:
                    try:
                        events.append(json.loads(line))
                    except ValueError:
                        pass
        except OSError:
            pass
    return events


def as_json(text):
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


_local = threading.local()


def http_call(url, method='GET', headers=None, body=None, timeout=60):
    """One keep-alive connection per thread and host."""
    u = urllib.parse.urlsplit(url)
    conns = _local.__dict__.setdefault('conns', {})
    for attempt in (0, 1):
        conn = conns.get(u.netloc)
        reused = conn is not None
        if not reused:
            conn = conns[u.netloc] = (http.client.HTTPSConnection if u.scheme == 'https' else http.client.HTTPConnection)(u.netloc, timeout=timeout)
        try:
            conn.request(method, u.path + ('?' + u.query if u.query else ''), body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            if resp.getheader('connection', '').lower() == 'close':
                conns.pop(u.netloc).close()
            return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), data
        except NET_ERRORS:
            conns.pop(u.netloc, None)
            conn.close()
            # A kept-alive connection the server closed while idle fails on first use: not a real error.
            if not reused or attempt:
                raise


class Metadata:
    """IMDSv2, with the token cached and renewed a minute before expiry (or once refused), and the role's keys."""

    def __init__(self, cfg):
        self.base = (cfg.get('imdsEndpoint') or os.environ.get('AWS_EC2_METADATA_SERVICE_ENDPOINT') or 'http://169.254.169.254').rstrip('/')
        self.token, self.expires, self.keys, self.lock = None, 0, None, threading.Lock()
        self.owner, self.owner_retry, self.warn = None, 0, None

    def get(self, path):
        for attempt in (0, 1):
            if time.time() > self.expires - 60:
                status, _, body = http_call(self.base + '/latest/api/token', 'PUT', {'X-aws-ec2-metadata-token-ttl-seconds': '21600'}, timeout=2)
                if status != 200:
                    raise Fail('IMDS token: HTTP %d' % status)
                self.token, self.expires = body.decode(), time.time() + 21600
            status, _, body = http_call(self.base + '/latest/' + path, headers={'X-aws-ec2-metadata-token': self.token}, timeout=2)
            if status == 401 and not attempt:
                self.expires = 0
            elif status == 404:
                return None
            elif status == 200:
                return body.decode()
            else:
                raise Fail('IMDS %s: HTTP %d' % (path, status))

    def account(self):
        """The box's account (identity document): S3 must find the bucket owned by it. None if unknown (warned once)."""
        with self.lock:
            if not self.owner and time.time() >= self.owner_retry:
                try:
                    self.owner = str((as_json(self.get('dynamic/instance-identity/document')) or {}).get('accountId') or '')
                except NET_ERRORS + (Fail,) as e:
                    self.owner = 'IMDS: %s' % e
                if not re.match(r'\d{12}$', self.owner):
                    if self.warn and self.owner_retry == 0:
                        self.warn(code='bucket-owner-unknown', message='no account id in the identity document (%s): S3 requests go without x-amz-expected-bucket-owner' % self.owner[:200])
                    self.owner, self.owner_retry = None, time.time() + 300
            return self.owner

    def credentials(self):
        env = os.environ
        if env.get('AWS_ACCESS_KEY_ID') and env.get('AWS_SECRET_ACCESS_KEY'):
            return env['AWS_ACCESS_KEY_ID'], env['AWS_SECRET_ACCESS_KEY'], env.get('AWS_SESSION_TOKEN')
        with self.lock:
            if not self.keys or time.time() > self.keys[1] - 300:
                try:
                    path = 'meta-data/iam/security-credentials/'
                    role = (self.get(path) or '').split('\n')[0].strip()
                    doc = as_json(self.get(path + role)) if role else None
                except NET_ERRORS + (Fail,) as e:
                    raise Fail('no AWS credentials: instance metadata failed (%s)' % e)
                if not isinstance(doc, dict) or not doc.get('AccessKeyId'):
                    raise Fail('no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or give the box an instance profile with S3 access')
                self.keys = ((doc['AccessKeyId'], doc['SecretAccessKey'], doc.get('Token')), parse_time(doc.get('Expiration')) or time.time() + 900)
            return self.keys[0]


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


class S3Error(Fail):
    def __init__(self, what, status, data):
        self.status = status
        Fail.__init__(self, '%s: HTTP %d %s' % (what, status, error_code(data)))


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

    def list(self, prefix, delimiter=None):
        """(keys, common prefixes) under prefix, all pages."""
        keys, prefixes, token = [], [], None
        while True:
            query = [('list-type', '2'), ('prefix', prefix)] + ([('delimiter', delimiter)] if delimiter else []) + ([('continuation-token', token)] if token else [])
            root = xml_root(self.call('GET', None, query)[1])
            keys += [e.text for e in root.findall('Contents/Key')]
            prefixes += [e.text for e in root.findall('CommonPrefixes/Prefix')]
            token = root.findtext('NextContinuationToken')
            if root.findtext('IsTruncated') != 'true' or not token:
                return keys, prefixes

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


def session_base(cfg):
    return '/'.join(p for p in (cfg['prefix'], cfg['session']) if p) + '/'


def seq_folders(s3, base):
    """Every seq folder of the session, complete or torn: {seq: folder prefix}."""
    names = ((p[len(base):].strip('/'), p) for p in s3.list(base, '/')[1])
    return dict((int(name), p) for name, p in names if re.match(r'\d{6,}$', name))


def valid_manifest(doc, seq):
    return (isinstance(doc, dict) and doc.get('version') == 1 and doc.get('seq') == seq and isinstance(doc.get('files'), list)
            and all(isinstance(f, dict) and f.get('area') in ('files', 'workspace') and isinstance(f.get('path'), str) and isinstance(f.get('key'), str)
                    and type(f.get('size')) is int and re.match(r'[0-9a-f]{64}$', str(f.get('sha256'))) for f in doc['files']))


def load_manifest(s3, base, seq):
    data = s3.get('%s%06d/manifest.json' % (base, seq))
    doc = as_json(data.decode('utf-8', 'replace')) if data is not None else None
    return doc if valid_manifest(doc, seq) else None


def newest_complete(s3, base, folders):
    for seq in sorted(folders, reverse=True):
        manifest = load_manifest(s3, base, seq)
        if manifest:
            return manifest


def read_step(directory):
    """The trainer's step: `step` in progress.json, else the last number in `latest` (DeepSpeed's tag file)."""
    try:
        with open(os.path.join(directory, 'progress.json')) as f:
            step = json.load(f).get('step')
        if type(step) is int:
            return step
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with open(os.path.join(directory, 'latest')) as f:
            return int(re.findall(r'\d+', f.read(200))[-1])
    except (OSError, IndexError):
        return None


def glob_regex(pattern):
    out, i = '', 0
    while i < len(pattern):
        rest, c = pattern[i:], pattern[i]
        if rest.startswith('**/'):
            out, i = out + '(?:.*/)?', i + 3
        elif rest.startswith('**'):
            out, i = out + '.*', i + 2
        elif c == '*':
            out, i = out + '[^/]*', i + 1
        elif c == '?':
            out, i = out + '[^/]', i + 1
        elif c == '[' and ']' in rest[2:]:
            j = pattern.index(']', i + 2)
            body = pattern[i + 1:j].replace('\\', '\\\\')
            out, i = out + '[' + ('^' + body[1:] if body[0] in '!^' else body) + ']', j + 1
        else:
            if c == '\\' and rest[1:]:
                i, c = i + 1, rest[1]
            out, i = out + re.escape(c), i + 1
    return out


class GitIgnore:
    """The workspace root's .gitignore: comments, `!` negation, `dir/`, anchored `a/b` and `/a`, `*`, `?`, `[..]`, `**`."""

    def __init__(self, text):
        self.rules = []
        for line in text.splitlines():
            line = re.sub(r'(?<!\\)\s+$', '', line)
            negate = line.startswith('!')
            line = line[negate:]
            if line and not line.startswith('#') or negate:
                pattern = line.rstrip('/')
                if pattern:
                    anchor = '^' if '/' in pattern else '^(?:.*/)?'
                    self.rules.append((re.compile(anchor + glob_regex(pattern.lstrip('/')) + '$'), negate, line.endswith('/')))

    def ignored(self, rel, is_dir):
        result = False
        for regex, negate, dir_only in self.rules:
            if (is_dir or not dir_only) and regex.match(rel):
                result = not negate
        return result


def walk(root, ignore=None, skip=(), unnamed=None):
    """Regular files under root as (relative path, absolute path, size); symlinks are not followed."""
    found, todo, unnamed = [], [''], [] if unnamed is None else unnamed
    while todo:
        rel_dir = todo.pop()
        try:
            entries = list(os.scandir(os.path.join(root, rel_dir)))
        except OSError:
            continue
        for entry in entries:
            rel = rel_dir + entry.name
            try:
                rel.encode()
            except UnicodeError:
                # Not UTF-8: it cannot be an S3 key. Left out rather than failing the checkpoint.
                unnamed.append(rel.encode('utf-8', 'replace').decode())
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if entry.is_symlink() or entry.path in skip or (ignore and ignore.ignored(rel, is_dir)):
                    continue
                if is_dir:
                    todo.append(rel + '/')
                elif entry.is_file():
                    found.append((rel, entry.path, entry.stat().st_size))
            except OSError:
                pass
    return sorted(found)


def collect(cfg, journal):
    """What a checkpoint holds: the checkpoint dir, then the workspace within its byte budget."""
    ckpt, workspace, unnamed = cfg['checkpointDir'], cfg.get('workspaceDir'), []
    items = [('files',) + f for f in walk(ckpt, unnamed=unnamed)]
    if workspace and os.path.isdir(workspace):
        try:
            with open(os.path.join(workspace, '.gitignore')) as f:
                ignore = GitIgnore(f.read())
        except OSError:
            ignore = None
        budget, skipped = int(cfg['workspaceMaxBytes']), []
        # The checkpoint dir is often inside the workspace, and the agent's own folder may be too.
        # .git holds the remote's URL, credentials and all (cloneFrom): never uploaded.
        for rel, path, size in walk(workspace, ignore, (ckpt, os.path.dirname(cfg['journal']), os.path.join(workspace, '.git')), unnamed):
            if size > budget:
                skipped.append(rel)
            else:
                budget -= size
                items.append(('workspace', rel, path, size))
        if skipped:
            journal.write('warning', code='workspace-over-limit', paths=skipped[:20],
                          message='%d workspace file(s) left out: over workspaceMaxBytes (%d)' % (len(skipped), cfg['workspaceMaxBytes']))
    if unnamed:
        journal.write('warning', code='name-not-utf8', paths=unnamed[:20], message='%d file(s) left out: their names are not UTF-8' % len(unnamed))
    return items


_hashes = {}


def sha256_of(path, identity=None):
    """Hashes a file, or answers from memory while its (device, inode, size, mtime) is what was hashed."""
    if identity and _hashes.get(path, (None,))[0] == identity:
        return _hashes[path][1]
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    _hashes[path] = (identity, digest.hexdigest())
    return digest.hexdigest()


class Uploader:
    """One checkpoint's files: in parallel, big ones as parallel 8 MiB parts, unchanged ones copied."""

    def __init__(self, s3, cfg, previous, folder):
        self.s3, self.folder = s3, folder
        self.previous = dict(((f['area'], f['path']), f) for f in (previous or {}).get('files', []))
        n = max(1, int(cfg['concurrency']))
        self.files, self.parts = cf.ThreadPoolExecutor(n), cf.ThreadPoolExecutor(n)
        # Bounds the memory held by parts read but not yet sent.
        self.slots = threading.BoundedSemaphore(2 * n)
        self.lock = threading.Lock()
        self.stats = {'uploaded': 0, 'copied': 0, 'uploadedBytes': 0, 'parts': 0}
        self.vanished = []

    def run(self, items):
        try:
            jobs = [self.files.submit(self.one, *item) for item in items]
            cf.wait(jobs, return_when=cf.FIRST_EXCEPTION)
            for job in jobs:
                if job.done() and job.exception():
                    # The others stop at their next request rather than fill a checkpoint that will not be committed.
                    self.s3.stop.set()
                    raise job.exception()
            return [job.result() for job in jobs if job.result()]
        finally:
            self.files.shutdown()
            self.parts.shutdown()

    def one(self, area, rel, path, _):
        key = '%s%s/%s' % (self.folder, area, rel)
        try:
            st = os.stat(path)
            sha = sha256_of(path, (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
            prev = self.previous.get((area, rel))
            # Copied, not referenced: each seq folder then holds all its objects, so deleting an old
            # folder (keep last K) can never take away a file that a newer manifest points to.
            if prev and prev['sha256'] == sha and prev['size'] == st.st_size <= COPY_MAX:
                try:
                    self.s3.put(key, b'', headers={'x-amz-copy-source': quote('/%s/%s' % (self.s3.bucket, prev['key']), '/-_.~')})
                    return self.done('copied', dict(path=rel, area=area, size=st.st_size, sha256=sha, key=key))
                except S3Error:
                    pass  # The source is gone or the store cannot copy it: upload instead.
            if st.st_size <= PART:
                with open(path, 'rb') as f:
                    data = f.read()
                self.s3.put(key, data)
                sha, size = hashlib.sha256(data).hexdigest(), len(data)
            else:
                sha, size = self.multipart(path, key)
        except FileNotFoundError:
            with self.lock:
                self.vanished.append(rel)
            return None
        # The hash of the bytes sent, which is what restore checks, even if the file changed meanwhile.
        return self.done('uploaded', dict(path=rel, area=area, size=size, sha256=sha, key=key))

    def done(self, kind, entry):
        with self.lock:
            self.stats[kind] += 1
            if kind == 'uploaded':
                self.stats['uploadedBytes'] += entry['size']
        return entry

    def multipart(self, path, key):
        upload = xml_root(self.s3.call('POST', key, [('uploads', '')])[1]).findtext('UploadId')
        jobs, digest, size = [], hashlib.sha256(), 0
        try:
            with open(path, 'rb') as f:
                while not any(j.done() and j.exception() for j in jobs):
                    self.slots.acquire()
                    chunk = f.read(PART)
                    if not chunk:
                        self.slots.release()
                        break
                    digest.update(chunk)
                    size += len(chunk)
                    jobs.append(self.parts.submit(self.part, key, upload, len(jobs) + 1, chunk))
            parts = ''.join('<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>' % (n + 1, escape(j.result())) for n, j in enumerate(jobs))
            self.s3.call('POST', key, [('uploadId', upload)], body=('<CompleteMultipartUpload>%s</CompleteMultipartUpload>' % parts).encode())
        except BaseException:
            try:
                self.s3.call('DELETE', key, [('uploadId', upload)], ok=(200, 204, 404))
            except Exception:
                pass  # An open upload costs storage until a lifecycle rule aborts it; the checkpoint already failed.
            raise
        return digest.hexdigest(), size

    def part(self, key, upload, number, chunk):
        try:
            etag = self.s3.put(key, chunk, [('partNumber', str(number)), ('uploadId', upload)])['etag']
            self.done('parts', None)
            return etag
        finally:
            self.slots.release()


def take_checkpoint(cfg, s3, journal, reason, instance=None, request=None):
    """Uploads the files, then the manifest: a checkpoint exists only once its manifest is written."""
    started, base, seq = time.time(), session_base(cfg), None
    try:
        # An empty checkpoint would become the newest and, with keep-last-K, push out the good ones
        # (think of a fresh replacement box syncing before its restore).
        if not os.path.isdir(cfg['checkpointDir']):
            raise Fail('the checkpoint directory %s does not exist; nothing saved' % cfg['checkpointDir'])
        folders = seq_folders(s3, base)
        previous = newest_complete(s3, base, folders)
        # Above every folder, torn ones included, so a failed attempt's leftovers are never mixed in.
        seq = max(list(folders) + [0]) + 1
        folder = '%s%06d/' % (base, seq)
        note = json.dumps({'session': cfg['session'], 'seq': seq, 'reason': reason, 'sourceInstance': instance, 'startedAt': now_iso()}).encode()
        # Objects right inside the session and seq folders: listings with a delimiter then show the
        # session and every seq (S3 does anyway; s3rver only sees objects one level down), and a
        # seq that has started.json but no manifest is plainly a failed or running checkpoint.
        if not folders:
            s3.put(base + 'session.json', note)
        s3.put(folder + 'started.json', note)
        step = read_step(cfg['checkpointDir'])
        uploader = Uploader(s3, cfg, previous, folder)
        files = uploader.run(collect(cfg, journal))
        if not files:
            raise Fail('nothing to save in %s or the workspace' % cfg['checkpointDir'])
        if uploader.vanished:
            journal.write('warning', code='file-vanished', paths=uploader.vanished[:20], message='%d file(s) disappeared during the checkpoint' % len(uploader.vanished))
        manifest = {'version': 1, 'session': cfg['session'], 'seq': seq, 'createdAt': now_iso(), 'sourceInstance': instance, 'reason': reason,
                    'files': sorted(files, key=lambda f: (f['area'], f['path']))}
        if step is not None:
            manifest['step'] = step
        s3.put(folder + 'manifest.json', json.dumps(manifest, indent=1).encode(), headers={'content-type': 'application/json'})
    except Exception as e:
        journal.write('checkpoint-failed', reason=reason, seq=seq, request=request, error=str(e), cancelled=isinstance(e, Cancelled) or None)
        return None
    journal.write('checkpoint-committed', reason=reason, seq=seq, request=request, step=step, files=len(files), bytes=sum(f['size'] for f in files),
                  seconds=round(time.time() - started, 3), **uploader.stats)
    try:
        prune(s3, base, seq, int(cfg['keep']), journal)
    except Exception as e:
        journal.write('warning', code='prune-failed', message=str(e))
    return manifest


def prune(s3, base, committed, keep, journal):
    folders = seq_folders(s3, base)
    kept = [seq for seq in sorted(folders, reverse=True) if seq <= committed and load_manifest(s3, base, seq)][:max(1, keep)]
    # Torn folders below our commit are abandoned attempts (one writer per session); above it, they may be in progress.
    doomed = [seq for seq in sorted(folders) if seq < committed and seq not in kept]
    for seq in doomed:
        # The manifest goes first: a folder half deleted is never taken for a complete checkpoint.
        s3.delete([folders[seq] + 'manifest.json'])
        s3.delete(s3.list(folders[seq])[0])
    if doomed:
        journal.write('checkpoints-pruned', seqs=doomed, kept=sorted(kept))


def dir_state(directory):
    state = {}
    for rel, path, size in walk(directory):
        try:
            state[rel] = (size, os.stat(path).st_mtime_ns)
        except OSError:
            pass
    return state


class Activity:
    """What idle stop in the editor decides on: user SSH sessions, CPU and GPU use, and how long all were low."""

    def __init__(self, cfg, proc='/proc'):
        self.cfg, self.proc = cfg, proc
        self.ticks, self.since = self.cpu(), time.time()

    def cpu(self):
        with open(self.proc + '/stat') as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
        # Only `idle` is not busy: iowait counts, since a box copying a dataset is at work while its CPUs wait.
        return sum(ticks) - ticks[3], sum(ticks)

    def sample(self):
        ticks, procs, gpu = self.cpu(), [], None
        busy, total = (a - b for a, b in zip(ticks, self.ticks))
        self.ticks, cpu = ticks, round(100.0 * busy / max(1, total), 1)
        for pid in os.listdir(self.proc):
            try:
                with open('%s/%s/stat' % (self.proc, pid)) as f:
                    ppid = f.read().rsplit(')', 1)[1].split()[1]
                with open('%s/%s/cmdline' % (self.proc, pid)) as f:
                    procs.append((pid, ppid, f.read().replace('\0', ' ').strip()))
            except (OSError, IndexError):
                pass
        # Each SSH connection has a process titled `sshd: <user>@<ttys>` (`sshd-session:` from OpenSSH 9.8).
        # One with a pty is a user. One without is a user too when it runs anything but the editor's own
        # journal tail (`tail -F ~/.spotbox/journal.jsonl`, known by its command line, so Spotbox needs no
        # marker): Remote-SSH attaches without a pty (`ssh -T ... bash`), so counting ptys alone (`who`)
        # would miss the commonest user. One that runs nothing (port forwards only) is not counted: a
        # forgotten tunnel must not keep a box billing.
        sessions = sum(1 for pid, _, cmd in procs if re.match(r'sshd(-session)?: \S+@', cmd) and ('@pts/' in cmd or any(p == pid and 'journal.jsonl' not in c for _, p, c in procs)))
        try:
            gpu = max(float(x) for x in subprocess.run(['nvidia-smi', '--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'], capture_output=True, timeout=20).stdout.split())
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
        if sessions or max(cpu, gpu or 0) > float(self.cfg['idleCpuPercent']):
            self.since = time.time()
        return dict(sshSessions=sessions, cpuPercent=cpu, gpuPercent=gpu, idleSeconds=round(time.time() - self.since, 1))


class Daemon:
    def __init__(self, cfg):
        self.cfg, self.journal, self.metadata = cfg, Journal(cfg['journal'], int(cfg['journalMaxBytes'])), Metadata(cfg)
        self.metadata.warn = lambda **kw: self.journal.write('warning', **kw)
        self.instance = self.notice = self.rebalance = self.worker = self.imds_error = None
        self.pending, self.stop, self.booting = [], threading.Event(), False
        self.last_step, self.step_reported_at = None, 0.0

    def run(self):
        state_dir = os.path.dirname(self.cfg['journal'])
        self.lock = open(os.path.join(state_dir, 'agent.lock'), 'a')
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise Fail('another agent already runs with ' + state_dir)
        try:
            self.instance = self.metadata.get('meta-data/instance-id')
        except NET_ERRORS + (Fail,):
            pass
        interval = float(self.cfg['intervalSeconds'] or 0)
        self.journal.write('agent-started', pid=os.getpid(), session=self.cfg['session'], instance=self.instance, intervalSeconds=interval)
        self.last_periodic = time.time()
        if self.cfg.get('boot'):
            # Its own thread: a replacement box can get its notice while it restores.
            self.booting = True
            threading.Thread(target=self.boot, daemon=True).start()
        every = float(self.cfg['idleReportSeconds'] or 0)
        if every > 0:
            # Its own thread: nvidia-smi can take seconds, and the notice watch must not wait for it.
            threading.Thread(target=self.report_activity, args=(every,), daemon=True).start()
        while True:
            try:
                self.poll_metadata()
                self.poll_trigger()
                self.poll_step()
                # While EC2 recommends a rebalance (a raised risk of interruption), checkpoints come twice as often.
                if interval > 0 and time.time() - self.last_periodic >= interval / (2 if self.rebalance else 1):
                    self.last_periodic = time.time()
                    self.enqueue('periodic')
                if self.pending and not (self.worker and self.worker.is_alive()):
                    self.stop = threading.Event()
                    self.worker = threading.Thread(target=self.checkpoint, args=self.pending.pop(0) + (self.stop,), daemon=True)
                    self.worker.start()
            except Exception as e:
                # A bug here must not end the watch for notices.
                self.journal.write('warning', code='agent-error', message='%s: %s' % (type(e).__name__, e))
            time.sleep(self.cfg['pollSeconds'])

    def boot(self):
        try:
            boot_restore(self.cfg, S3(self.cfg, self.metadata, lambda **kw: self.journal.write('upload-retry', **kw)), self.journal, self.instance)
        finally:
            self.booting = False

    def report_activity(self, every):
        activity = Activity(self.cfg)
        while True:
            time.sleep(every)
            try:
                self.journal.write('activity', **activity.sample())
            except Exception as e:
                self.journal.write('warning', code='agent-error', message='%s: %s' % (type(e).__name__, e))

    def poll_metadata(self):
        try:
            action = self.metadata.get('meta-data/spot/instance-action')
            rebalance = self.metadata.get('meta-data/events/recommendations/rebalance')
            self.imds_error = None
        except NET_ERRORS + (Fail,) as e:
            if not self.imds_error:
                self.journal.write('warning', code='imds-unreachable', message=str(e))
            self.imds_error = e
            return
        if rebalance != self.rebalance:
            # Gone again (404) once the risk has passed.
            self.rebalance = rebalance
            if rebalance:
                self.journal.write('rebalance', noticeTime=(as_json(rebalance) or {}).get('noticeTime'))
                self.last_periodic = time.time()
                self.enqueue('rebalance')
        if action and action != self.notice:
            self.notice = action
            doc = as_json(action) or {}
            # A box still restoring at boot has no checkpoint to come: its successor need not wait for one.
            if not self.booting:
                self.handoff(doc.get('time'))
            self.journal.write('notice', action=doc.get('action'), actionTime=doc.get('time'))
            # The notice checkpoint holds the newest state: a periodic or manual one still uploading is dropped.
            self.stop.set()
            self.pending = [('notice', None, (parse_time(doc.get('time')) or time.time() + 120) - float(self.cfg['noticeMarginSeconds']))]

    def handoff(self, action_time):
        """handoff.json: the box that replaces this one waits for its notice checkpoint (boot_restore). Written before
        the journal's notice line, which the editor acts on; a few seconds at most, the checkpoint matters more."""
        try:
            s3 = S3(self.cfg, self.metadata, deadline=time.time() + 4)
            # A new connection of this thread's: it takes this timeout (http_call).
            s3.attempts = s3.timeout = 2
            s3.put(session_base(self.cfg) + 'handoff.json', json.dumps(dict(instanceId=self.instance, noticeTime=now_iso(), actionTime=action_time, step=self.last_step)).encode())
        except Exception as e:
            self.journal.write('warning', code='handoff-failed', message=str(e))

    def poll_step(self):
        """Journals the trainer's step (stepFile: "<step> [<epoch>]") every few seconds, so the editor knows what a lost box had reached."""
        path = self.cfg.get('stepFile')
        if not path or time.time() - self.step_reported_at < 2:
            return
        try:
            with open(path) as f:
                words = f.read().split()
            step, epoch = int(words[0]), (int(words[1]) if len(words) > 1 else None)
        except (OSError, ValueError, IndexError):
            return
        if step != self.last_step:
            self.last_step, self.step_reported_at = step, time.time()
            self.journal.write('progress', step=step, epoch=epoch)

    def poll_trigger(self):
        try:
            with open(self.cfg['triggerFile']) as f:
                request = f.read().strip() or None
            os.unlink(self.cfg['triggerFile'])
        except OSError:
            return
        if self.notice:
            self.journal.write('checkpoint-failed', reason='manual', request=request, error='a spot notice came first; its checkpoint is the last one')
        else:
            self.enqueue('manual', request)

    def enqueue(self, reason, request=None):
        if not self.notice and (request or (reason, None, None) not in self.pending):
            self.pending.append((reason, request, None))

    def checkpoint(self, reason, request, deadline, stop):
        try:
            if self.booting or restore_running(self.cfg):
                # What is on disk is half a checkpoint (or not yet restored): the one being restored stays the newest.
                self.journal.write('checkpoint-failed', reason=reason, request=request, error='a restore is writing the checkpoint folders')
                return
            self.journal.write('checkpoint-started', reason=reason, request=request)
            started = time.time()
            # On a notice, half of what is left goes to the trainer's save and half to the upload.
            settle_until = (started + deadline) / 2 if deadline else started + float(self.cfg['settleTimeoutSeconds'])
            before = dir_state(self.cfg['checkpointDir'])
            told = self.tell_trainer(settle_until, stop, reason)
            # A trainer told nothing on a notice goes on saving by itself: wait for its saves of the first half too.
            self.wait_quiet(before, told, settle_until, stop, not told and deadline is not None)
            s3 = S3(self.cfg, self.metadata, lambda **kw: self.journal.write('upload-retry', **kw), stop, deadline)
            take_checkpoint(self.cfg, s3, self.journal, reason, self.instance, request)
        except Exception as e:
            self.journal.write('checkpoint-failed', reason=reason, request=request, error='%s: %s' % (type(e).__name__, e))

    def tell_trainer(self, until, stop, reason):
        told = False
        # On a notice the trainer may be told to save and stop (noticeSignal): steps it would take after its save are lost anyway.
        name = (reason == 'notice' and self.cfg.get('noticeSignal')) or self.cfg.get('signal')
        pid_file, command = self.cfg.get('sessionPidFile'), self.cfg.get('checkpointCommand')
        if name and pid_file:
            # spotbox_session.py (installed with the session) signals only the training processes that
            # handle this signal: a script without a handler is never killed by a checkpoint.
            try:
                out = subprocess.run([sys.executable, os.path.join(os.path.dirname(pid_file), 'spotbox_session.py'), 'deliver', name, pid_file], capture_output=True, timeout=20)
                got = as_json(out.stdout) or dict(error=out.stderr.decode()[-300:])
            except (OSError, subprocess.SubprocessError) as e:
                got = dict(error=str(e))
            if got.get('pids'):
                self.journal.write('trainer-notified', signal=name, pids=got['pids'], commands=got.get('commands'))
                told = True
            else:
                self.journal.write('warning', code='signal-not-sent', message='%s: %s' % (name, got.get('error') or 'no training process handles it'), paths=got.get('unhandled'))
        if command:
            try:
                with open(os.path.join(os.path.dirname(self.cfg['journal']), 'command.log'), 'ab') as log:
                    process = subprocess.Popen(['sh', '-c', command], cwd=self.cfg.get('checkpointCommandDir'), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
                # Not a blocking wait: a notice must not queue behind a slow command of a periodic checkpoint.
                while process.poll() is None and time.time() < until and not stop.is_set():
                    time.sleep(0.1)
                self.journal.write('trainer-notified', command=command, exitCode=process.returncode)
                told = told or process.returncode == 0
            except OSError as e:
                self.journal.write('warning', code='command-failed', message='%s: %s' % (command, e))
        return told

    def wait_quiet(self, before, told, until, stop, late=False):
        """Until the checkpoint dir has not changed for quietSeconds (once the trainer was told, changed at all; when late, from `until` on)."""
        last, last_change, changed, quiet = before, time.time(), not told, float(self.cfg['quietSeconds'])
        while time.time() < until + late * 3 * quiet and not stop.is_set():
            time.sleep(0.2)
            state = dir_state(self.cfg['checkpointDir'])
            if state != last:
                last, last_change, changed = state, time.time(), True
            elif changed and time.time() - last_change >= quiet and not (late and time.time() < until):
                return


def write_file(path, data, mode=0o600):
    """Written to a new temporary file beside it (never through a symlink), then renamed."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + '.tmp'
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, 'wb') as f:
        os.fchmod(fd, mode)
        f.write(data)
    os.replace(temporary, path)


def boot_restore(cfg, s3, journal, instance, **clock):
    """A box of a fleet lineage brings itself back with no editor open (the config's `boot`): the session runner
    (spotbox_session.py, boot), which the user data's bootstrap installed beside the agent, pinned by its sha256,
    waits for the predecessor's notice checkpoint, restores the newest one and starts the session in tmux. Once
    per box: ~/.spotbox/boot-done holds the outcome."""
    done = os.path.join(os.path.dirname(cfg['journal']), 'boot-done')
    if os.path.exists(done):
        return None
    try:
        journal.write('boot-restore', phase='started', instance=instance, session=cfg['session'])
        import runpy
        outcome = runpy.run_path(os.path.expanduser('~/.spotbox/spotbox_session.py'))['boot'](sys.modules[__name__], cfg, s3, journal, instance, **clock)
    except Exception as e:
        outcome = dict(phase='failed', stage='tools', error='%s: %s' % (type(e).__name__, e))
        journal.write('boot-restore', **outcome)
    write_file(done, json.dumps(dict(outcome, time=now_iso())).encode())
    return outcome


def restore_running(cfg):
    try:
        with open(os.path.join(os.path.dirname(cfg['journal']), 'restoring')) as f:
            os.kill(int(f.read()), 0)
        return True
    except (OSError, ValueError):
        return False


def checkpoint_now(cfg, wait, timeout):
    request = uuid.uuid4().hex[:12]
    os.makedirs(os.path.dirname(cfg['triggerFile']), exist_ok=True)
    with open(cfg['triggerFile'] + '.tmp', 'w') as f:
        f.write(request)
    os.replace(cfg['triggerFile'] + '.tmp', cfg['triggerFile'])
    deadline = time.time() + timeout
    while wait and time.time() < deadline:
        for event in read_journal(cfg['journal']):
            if event.get('request') == request and event['type'] in ('checkpoint-committed', 'checkpoint-failed'):
                print(json.dumps(event))
                return 0 if event['type'] == 'checkpoint-committed' else 1
        time.sleep(0.3)
    print(json.dumps({'request': request, 'error': 'no answer from the agent within %d s' % timeout} if wait else {'request': request}))
    return 2 if wait else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='spotbox_agent')
    commands = parser.add_subparsers(dest='command')
    commands.required = True
    # `restore` lives in spotbox_session.py, which the editor installs over SSH: it is not needed before then.
    for name in ('run', 'checkpoint-now'):
        command = commands.add_parser(name)
        command.add_argument('--config', default='~/.spotbox/agent.json')
    commands.choices['checkpoint-now'].add_argument('--wait', action='store_true')
    commands.choices['checkpoint-now'].add_argument('--timeout', type=float, default=600)
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
        if args.command == 'run':
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            Daemon(cfg).run()
        if args.command == 'checkpoint-now':
            return checkpoint_now(cfg, args.wait, args.timeout)
    except Fail as e:
        sys.stderr.write('spotbox agent: %s\n' % e)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
