"""HTTP over one keep-alive connection per thread and host (resources/agent/src/agent/transport.py)."""
import threading
import time
import unittest

from assembled_agent import import_modules
from fake_http import QuietHandler, serve

import_modules()
from agent import transport  # noqa: E402


class Counting(QuietHandler):
    protocol_version = 'HTTP/1.1'
    connections = set()
    close_next = False
    delay = 0

    def do_GET(self):
        Counting.connections.add(self.client_address)
        time.sleep(Counting.delay)
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.send_header('X-Answer', 'yes')
        if Counting.close_next:
            Counting.close_next = False
            self.send_header('Connection', 'close')
        self.end_headers()
        try:
            self.wfile.write(b'ok')
        except (BrokenPipeError, ConnectionResetError):
            pass  # The client gave up waiting (a test of timeouts).


class Transport(unittest.TestCase):
    def setUp(self):
        Counting.connections, Counting.close_next, Counting.delay = set(), False, 0
        self.url = serve(self, Counting)
        transport._local.__dict__.pop('conns', None)
        self.addCleanup(self.close_connections)

    def close_connections(self):
        for conn in transport._local.__dict__.pop('conns', {}).values():
            conn.close()

    def test_requests_of_one_thread_share_a_connection_and_headers_come_lowercase(self):
        for _ in range(3):
            status, headers, body = transport.http_call(self.url + '/x')
        self.assertEqual((status, headers['x-answer'], body), (200, 'yes', b'ok'))
        self.assertEqual(len(Counting.connections), 1)

    def test_another_thread_has_its_own_connection(self):
        transport.http_call(self.url + '/x')
        thread = threading.Thread(target=transport.http_call, args=(self.url + '/x',))
        thread.start()
        thread.join()
        self.assertEqual(len(Counting.connections), 2)

    def test_a_connection_the_server_closes_is_opened_again(self):
        Counting.close_next = True
        transport.http_call(self.url + '/x')
        self.assertEqual(transport.http_call(self.url + '/x')[2], b'ok')
        self.assertEqual(len(Counting.connections), 2)

    def test_each_request_has_its_own_timeout_on_a_kept_connection(self):
        transport.http_call(self.url + '/x', timeout=0.3)
        Counting.delay = 0.6
        self.assertEqual(transport.http_call(self.url + '/x', timeout=5)[2], b'ok', 'a long poll after a short read')
        with self.assertRaises(OSError):
            transport.http_call(self.url + '/x', timeout=0.3)
        self.assertEqual(len(Counting.connections), 2, 'the timed-out request tried once more on a new connection')

    def test_a_refused_connection_raises(self):
        with self.assertRaises(OSError):
            transport.http_call('http://127.0.0.1:9/x', timeout=2)


if __name__ == '__main__':
    unittest.main()
