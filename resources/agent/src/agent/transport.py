"""HTTP requests over one keep-alive connection per thread and host."""
import http.client
import threading
import urllib.parse

from .errors import NET_ERRORS


_local = threading.local()


def http_call(url, method='GET', headers=None, body=None, timeout=60):
    """One keep-alive connection per thread and host; `timeout` (seconds) bounds each wait for the server."""
    u = urllib.parse.urlsplit(url)
    conns = _local.__dict__.setdefault('conns', {})
    for attempt in (0, 1):
        conn = conns.get(u.netloc)
        reused = conn is not None
        if not reused:
            conn = conns[u.netloc] = (http.client.HTTPSConnection if u.scheme == 'https' else http.client.HTTPConnection)(u.netloc, timeout=timeout)
        else:
            # Each request its own timeout, on a kept connection too: a metadata long poll waits a minute on the
            # connection a 2-second read opened.
            conn.timeout = timeout
            if conn.sock:
                conn.sock.settimeout(timeout)
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
