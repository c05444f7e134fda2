"""A fake Google Cloud on one loopback port for the agent's tests: the Compute Engine metadata server (values with
ETags and wait_for_change long polls, the service account's token) and the Cloud Storage JSON API (media and resumable
uploads, list, alt=media downloads with ranges, copyTo, delete). It checks the wire as Google documents it and keeps
every request for the tests to look at."""
import hashlib
import json
import threading
import urllib.parse

from fake_http import RecordingHandler

QUANTUM = 256 << 10


class FakeGoogle(RecordingHandler):
    lock = threading.Condition()
    metadata = {}       # path -> value
    versions = {}       # path -> int, bumped on each change: the ETag
    fail = {}           # path -> how many next requests answer 503
    objects = {}        # name -> bytes
    sessions = {}       # upload id -> {'name', 'data'}
    requests = []       # (method, path, query, headers, body length)
    token_requests = 0
    token_lifetime = 3600
    page_size = 1000
    problems = []       # wire errors the fake saw (the tests assert none)

    @classmethod
    def reset(cls):
        cls.metadata, cls.versions, cls.fail, cls.objects, cls.sessions = {}, {}, {}, {}, {}
        cls.requests, cls.problems, cls.token_requests, cls.token_lifetime, cls.page_size = [], [], 0, 3600, 1000

    @classmethod
    def set(cls, path, value):
        with cls.lock:
            cls.metadata[path] = value
            cls.versions[path] = cls.versions.get(path, 0) + 1
            cls.lock.notify_all()

    @classmethod
    def etag(cls, path):
        return hashlib.sha1(('%s:%d' % (path, cls.versions.get(path, 0))).encode()).hexdigest()[:16]

    def do_GET(self):
        path, query, headers, _ = self.parse()
        if path.startswith('/computeMetadata/v1/'):
            return self.metadata_get(path[len('/computeMetadata/v1/'):], query, headers)
        if path.startswith('/storage/v1/b/'):
            return self.storage_get(path, query, headers)
        self.answer(404)

    def metadata_get(self, name, query, headers):
        if headers.get('metadata-flavor') != 'Google':
            FakeGoogle.problems.append('no Metadata-Flavor: Google on ' + name)
            return self.answer(403, b'Missing Metadata-Flavor:Google header.')
        if FakeGoogle.fail.get(name):
            FakeGoogle.fail[name] -= 1
            return self.answer(503)
        if name == 'instance/service-accounts/default/token':
            FakeGoogle.token_requests += 1
            doc = {'access_token': 'token-%d' % FakeGoogle.token_requests, 'expires_in': FakeGoogle.token_lifetime, 'token_type': 'Bearer'}
            return self.answer(200, json.dumps(doc).encode(), [('Content-Type', 'application/json')])
        with FakeGoogle.lock:
            if query.get('wait_for_change') == 'true':
                if 'last_etag' not in query or 'timeout_sec' not in query:
                    FakeGoogle.problems.append('a long poll of %s without last_etag and timeout_sec: %s' % (name, query))
                # Google's server answers once the ETag differs from last_etag, or when timeout_sec runs out.
                FakeGoogle.lock.wait_for(lambda: FakeGoogle.etag(name) != query.get('last_etag'), float(query.get('timeout_sec', 1)))
            if name not in FakeGoogle.metadata:
                return self.answer(404)
            value, etag = FakeGoogle.metadata[name], FakeGoogle.etag(name)
        self.answer(200, value.encode(), [('ETag', etag), ('Metadata-Flavor', 'Google'), ('Content-Type', 'application/text')])

    def object_name(self, path):
        return urllib.parse.unquote(path.split('/o/', 1)[1])

    def storage_get(self, path, query, headers):
        if path.endswith('/o'):
            prefix, delimiter = query.get('prefix', ''), query.get('delimiter')
            names, prefixes = [], set()
            for name in sorted(FakeGoogle.objects):
                if not name.startswith(prefix):
                    continue
                rest = name[len(prefix):]
                if delimiter and delimiter in rest:
                    prefixes.add(prefix + rest.split(delimiter)[0] + delimiter)
                else:
                    names.append(name)
            first = int(query.get('pageToken') or 0)
            page = {'kind': 'storage#objects', 'items': [{'name': n, 'bucket': 'ckpt'} for n in names[first:first + FakeGoogle.page_size]]}
            if first == 0 and prefixes:
                page['prefixes'] = sorted(prefixes)
            if first + FakeGoogle.page_size < len(names):
                page['nextPageToken'] = str(first + FakeGoogle.page_size)
            return self.answer(200, json.dumps(page).encode(), [('Content-Type', 'application/json')])
        name = self.object_name(path)
        if query.get('alt') != 'media':
            FakeGoogle.problems.append('a download without alt=media: ' + name)
        if name not in FakeGoogle.objects:
            return self.answer(404, json.dumps({'error': {'code': 404, 'message': 'No such object: ckpt/' + name}}).encode())
        data = FakeGoogle.objects[name]
        if headers.get('range'):
            first, last = (int(x) for x in headers['range'].split('=')[1].split('-'))
            return self.answer(206, data[first:last + 1])
        self.answer(200, data)

    def do_POST(self):
        path, query, headers, body = self.parse()
        if path == '/upload/storage/v1/b/ckpt/o' and query.get('uploadType') == 'media':
            FakeGoogle.objects[query['name']] = body
            return self.answer(200, json.dumps({'name': query['name'], 'size': str(len(body))}).encode())
        if path == '/upload/storage/v1/b/ckpt/o' and query.get('uploadType') == 'resumable':
            upload = 'up-%d' % len(FakeGoogle.sessions)
            FakeGoogle.sessions[upload] = {'name': query['name'], 'data': b''}
            return self.answer(200, b'', [('Location', 'http://%s:%d/upload/storage/v1/b/ckpt/o?uploadType=resumable&upload_id=%s' % (self.server.server_address + (upload,)))])
        if '/copyTo/' in path:
            source, target = path.split('/copyTo/')
            name = urllib.parse.unquote(source.split('/o/', 1)[1])
            if name not in FakeGoogle.objects:
                return self.answer(404, b'{"error":{"code":404,"message":"no source"}}')
            FakeGoogle.objects[urllib.parse.unquote(target.split('/o/', 1)[1])] = FakeGoogle.objects[name]
            return self.answer(200, b'{}')
        self.answer(400, b'{"error":{"code":400,"message":"not understood"}}')

    def do_PUT(self):
        path, query, headers, body = self.parse()
        session = FakeGoogle.sessions.get(query.get('upload_id'))
        if not session:
            return self.answer(404)
        span, _, total = headers.get('content-range', '').replace('bytes ', '').partition('/')
        kept = len(session['data'])
        if FakeGoogle.fail.get('upload'):
            FakeGoogle.fail['upload'] -= 1
            return self.answer(503)
        if span != '*':
            first, last = (int(x) for x in span.split('-'))
            if first != kept or last - first + 1 != len(body):
                FakeGoogle.problems.append('chunk %s after %d bytes kept, %d bytes sent' % (span, kept, len(body)))
                return self.answer(400)
            if total == '*' and len(body) % QUANTUM:
                FakeGoogle.problems.append('a chunk of %d bytes, not a multiple of 256 KiB, before the last' % len(body))
                return self.answer(400)
            session['data'] += body
            kept = len(session['data'])
        if total != '*' and kept == int(total):
            FakeGoogle.objects[session['name']] = session['data']
            return self.answer(200, json.dumps({'name': session['name'], 'size': total}).encode())
        self.answer(308, b'', [('Range', 'bytes=0-%d' % (kept - 1))] if kept else [])

    def do_DELETE(self):
        path, _, _, _ = self.parse()
        name = self.object_name(path)
        if FakeGoogle.objects.pop(name, None) is None:
            return self.answer(404)
        self.answer(204)
