"""What the Python tests' fake clouds (IMDS, S3, Google Cloud, Azure) share: a quiet handler, one that records its
requests, and a server on a free loopback port."""
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b''):
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class RecordingHandler(QuietHandler):
    """A fake cloud that keeps every request in its class's own `requests` list: (method, path, query, headers, body
    length)."""

    def parse(self):
        """(path as sent, query, headers with lower-case names, body) of the request, which is recorded."""
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        body = self.rfile.read(int(self.headers.get('content-length') or 0))
        headers = dict((k.lower(), v) for k, v in self.headers.items())
        type(self).requests.append((self.command, url.path, query, headers, len(body)))
        return url.path, query, headers, body

    def answer(self, status, body=b'', headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        try:
            if self.command != 'HEAD':
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # A client that has gone: a test of a timeout, or a long poll whose test ended while it waited.


def serve(test, handler):
    """Serves `handler` until `test` ends; returns its base URL."""
    server = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    test.addCleanup(server.server_close)
    test.addCleanup(server.shutdown)
    return 'http://127.0.0.1:%d' % server.server_address[1]
