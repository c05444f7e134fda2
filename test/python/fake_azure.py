"""A fake Azure on one loopback port for the agent's tests: IMDS (the compute document, the managed identity's tokens,
Scheduled Events and their StartRequests) and Blob storage (Put Blob, Put Block, Put Block List, List Blobs with
prefix, delimiter and markers, Get Blob with ranges, Copy Blob, Delete Blob), one container `ckpt`. It checks the wire
as Microsoft documents it (Metadata: true, bearer token, x-ms-version, x-ms-date, block ids of one length) and keeps
every request for the tests to look at."""
import base64
import email.utils
import json
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from fake_http import RecordingHandler

CONTAINER = 'ckpt'


def error_xml(code):
    return ('<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s</Message></Error>' % (code, code)).encode()


class FakeAzure(RecordingHandler):
    lock = threading.Lock()

    @classmethod
    def reset(cls):
        cls.compute = {'vmId': '6d3b8f0e-1111-2222-3333-444455556666', 'name': 'spotbox-vm-1', 'location': 'eastus'}
        cls.events = {'DocumentIncarnation': 0, 'Events': []}
        cls.started = []            # EventIds POSTed in StartRequests
        cls.first_call_delay = 0.0  # seconds the first Scheduled Events call waits (the service turning on)
        cls.fail = {}               # 'token' | 'events' | 'blob' | 'events-post' -> list of statuses to answer next
        cls.objects = {}            # name -> bytes
        cls.blocks = {}             # name -> {block id: bytes} (uncommitted)
        cls.copy_pending = 0        # how many HEADs a copy stays pending for
        cls.copies = {}             # name -> [copy id, HEADs left]
        cls.requests = []           # (method, path, query, headers, body length)
        cls.token_requests, cls.token_lifetime, cls.page_size = 0, 3600, 5000
        cls.problems = []           # wire errors the fake saw (the tests assert none)
        cls.scheduled_calls = 0

    @classmethod
    def add_event(cls, event_type='Preempt', resources=('spotbox-vm-1',), not_before=None, status='Scheduled', event_id='E-1'):
        when = '' if not_before is None else email.utils.formatdate(not_before, usegmt=True)
        with cls.lock:
            cls.events['DocumentIncarnation'] += 1
            cls.events['Events'].append({'EventId': event_id, 'EventType': event_type, 'ResourceType': 'VirtualMachine', 'Resources': list(resources),
                                         'EventStatus': status, 'NotBefore': when, 'Description': '', 'EventSource': 'Platform', 'DurationInSeconds': -1})

    def parse(self):
        # Azure's names are URL-decoded before they are looked up.
        path, query, headers, body = RecordingHandler.parse(self)
        return urllib.parse.unquote(path), query, headers, body

    def failing(self, what):
        statuses = FakeAzure.fail.get(what)
        return statuses.pop(0) if statuses else None

    def handle_any(self):
        path, query, headers, body = self.parse()
        if path.startswith('/metadata/'):
            return self.imds(path, query, headers, body)
        if path.startswith('/devstoreaccount1/' + CONTAINER):
            return self.blob(path[len('/devstoreaccount1/' + CONTAINER):].lstrip('/'), query, headers, body)
        if path.startswith('/devstoreaccount1/'):
            return self.answer(404, error_xml('ContainerNotFound'), [('x-ms-error-code', 'ContainerNotFound')])
        self.answer(404)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    # IMDS

    def imds(self, path, query, headers, body):
        if headers.get('metadata') != 'true':
            FakeAzure.problems.append('no Metadata: true on ' + path)
            return self.answer(400, b'{"error":"Bad request. Required metadata header not specified"}')
        if path == '/metadata/instance/compute':
            return self.answer(200, json.dumps(FakeAzure.compute).encode(), [('Content-Type', 'application/json')])
        if path == '/metadata/identity/oauth2/token':
            if query.get('api-version') != '2018-02-01' or query.get('resource') != 'https://storage.azure.com/':
                FakeAzure.problems.append('token query %s' % query)
            status = self.failing('token')
            if status:
                return self.answer(status, b'{"error":"busy"}')
            FakeAzure.token_requests += 1
            expires = int(time.time() + FakeAzure.token_lifetime)
            doc = {'access_token': 'token-%d' % FakeAzure.token_requests, 'refresh_token': '', 'expires_in': str(FakeAzure.token_lifetime),
                   'expires_on': str(expires), 'not_before': str(int(time.time())), 'resource': query.get('resource'), 'token_type': 'Bearer'}
            return self.answer(200, json.dumps(doc).encode(), [('Content-Type', 'application/json')])
        if path == '/metadata/scheduledevents':
            if query.get('api-version') != '2020-07-01':
                FakeAzure.problems.append('scheduled events api-version %s' % query.get('api-version'))
            if self.command == 'POST':
                status = self.failing('events-post')
                if status:
                    return self.answer(status)
                doc = json.loads(body)
                FakeAzure.started += [r['EventId'] for r in doc['StartRequests']]
                return self.answer(200)
            FakeAzure.scheduled_calls += 1
            if FakeAzure.scheduled_calls == 1 and FakeAzure.first_call_delay:
                time.sleep(FakeAzure.first_call_delay)
            status = self.failing('events')
            if status:
                return self.answer(status)
            with FakeAzure.lock:
                text = json.dumps(FakeAzure.events)
            return self.answer(200, text.encode(), [('Content-Type', 'application/json')])
        self.answer(404)

    # Blob storage

    def blob(self, name, query, headers, body):
        if not headers.get('authorization', '').startswith('Bearer token-'):
            FakeAzure.problems.append('no bearer token on %s %s' % (self.command, name))
            return self.answer(401, error_xml('InvalidAuthenticationInfo'))
        if headers.get('x-ms-version', '') < '2017-11-09' or not email.utils.parsedate(headers.get('x-ms-date', '')):
            FakeAzure.problems.append('x-ms-version %s, x-ms-date %s' % (headers.get('x-ms-version'), headers.get('x-ms-date')))
        status = self.failing('blob')
        if status:
            return self.answer(status, error_xml('ServerBusy' if status == 503 else 'Failed'), [('x-ms-error-code', 'ServerBusy')])
        if not name:
            return self.list_blobs(query)
        if self.command == 'PUT':
            return self.put(name, query, headers, body)
        if self.command == 'DELETE':
            if FakeAzure.objects.pop(name, None) is None:
                return self.answer(404, error_xml('BlobNotFound'))
            return self.answer(202)
        if name not in FakeAzure.objects:
            return self.answer(404, error_xml('BlobNotFound'), [('x-ms-error-code', 'BlobNotFound')])
        if self.command == 'HEAD':
            copy = FakeAzure.copies.get(name)
            extra = []
            if copy:
                copy[1] -= 1
                extra = [('x-ms-copy-id', copy[0]), ('x-ms-copy-status', 'pending' if copy[1] > 0 else 'success')]
            return self.answer(200, b'', extra)
        data = FakeAzure.objects[name]
        if headers.get('x-ms-range') or headers.get('range'):
            first, last = (int(x) for x in (headers.get('x-ms-range') or headers.get('range')).split('=')[1].split('-'))
            return self.answer(206, data[first:last + 1])
        self.answer(200, data)

    def put(self, name, query, headers, body):
        comp = query.get('comp')
        if comp == 'block':
            block = query.get('blockid', '')
            FakeAzure.blocks.setdefault(name, {})[block] = body
            lengths = set(len(base64.b64decode(b)) for b in FakeAzure.blocks[name])
            if len(lengths) > 1:
                FakeAzure.problems.append('block ids of different lengths for ' + name)
                return self.answer(400, error_xml('InvalidBlobOrBlock'))
            return self.answer(201)
        if comp == 'blocklist':
            ids = [e.text for e in ET.fromstring(body)]
            staged = FakeAzure.blocks.pop(name, {})
            if any(i not in staged for i in ids):
                return self.answer(400, error_xml('InvalidBlockList'))
            FakeAzure.objects[name] = b''.join(staged[i] for i in ids)
            return self.answer(201)
        if headers.get('x-ms-copy-source'):
            source = urllib.parse.unquote(urllib.parse.urlsplit(headers['x-ms-copy-source']).path).split('/' + CONTAINER + '/', 1)[1]
            if source not in FakeAzure.objects:
                return self.answer(404, error_xml('CannotVerifyCopySource'))
            FakeAzure.objects[name] = FakeAzure.objects[source]
            copy_id = 'copy-%d' % len(FakeAzure.requests)
            if FakeAzure.copy_pending:
                FakeAzure.copies[name] = [copy_id, FakeAzure.copy_pending]
                return self.answer(202, b'', [('x-ms-copy-id', copy_id), ('x-ms-copy-status', 'pending')])
            return self.answer(202, b'', [('x-ms-copy-id', copy_id), ('x-ms-copy-status', 'success')])
        if headers.get('x-ms-blob-type') != 'BlockBlob':
            FakeAzure.problems.append('Put Blob without x-ms-blob-type: BlockBlob for ' + name)
            return self.answer(400, error_xml('MissingRequiredHeader'))
        FakeAzure.objects[name] = body
        self.answer(201)

    def list_blobs(self, query):
        if query.get('restype') != 'container' or query.get('comp') != 'list':
            FakeAzure.problems.append('a container request that is not List Blobs: %s' % query)
            return self.answer(400, error_xml('InvalidQueryParameterValue'))
        prefix, delimiter, marker = query.get('prefix', ''), query.get('delimiter'), query.get('marker', '')
        entries = {}
        for name in sorted(FakeAzure.objects):
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix):]
            if delimiter and delimiter in rest:
                entries.setdefault(prefix + rest.split(delimiter)[0] + delimiter, 'prefix')
            else:
                entries[name] = 'blob'
        names = [n for n in sorted(entries) if n > marker or not marker]
        page, following = names[:FakeAzure.page_size], names[FakeAzure.page_size:]
        items = ''.join('<BlobPrefix><Name>%s</Name></BlobPrefix>' % escape(n) if entries[n] == 'prefix' else
                        '<Blob><Name>%s</Name><Properties><Content-Length>%d</Content-Length></Properties></Blob>' % (escape(n), len(FakeAzure.objects[n]))
                        for n in page)
        xml = ('<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://x/" ContainerName="%s"><Prefix>%s</Prefix>'
               '<Blobs>%s</Blobs><NextMarker>%s</NextMarker></EnumerationResults>') % (CONTAINER, escape(prefix), items, escape(page[-1]) if following else '')
        self.answer(200, xml.encode(), [('Content-Type', 'application/xml')])
