import * as assert from 'node:assert/strict';
import { runAgentPython } from './agentPython';

interface MetadataRun {
  readonly keys: [string, string, string | null];
  readonly again: [string, string, string | null];
  readonly action: string | null;
  readonly requests: string[];
}

/**
 * The agent's IMDSv2 client against a small IMDS written for the test: the role's keys when the
 * environment has none, one token for many reads, and a new token once the old one is refused.
 */
describe('the agent\'s instance metadata client (resources/agent/spotbox_agent.py)', () => {
  it('reads the instance role\'s keys with one cached token, and takes a new token when refused', () => {
    const run = runAgentPython<MetadataRun>(
      [
        'import os, threading',
        'from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer',
        'requests, tokens = [], ["t1"]',
        'class Imds(BaseHTTPRequestHandler):',
        '    protocol_version = "HTTP/1.1"',
        '    def reply(self, status, body=""):',
        '        data = body.encode()',
        '        self.send_response(status)',
        '        self.send_header("Content-Length", str(len(data)))',
        '        self.end_headers()',
        '        self.wfile.write(data)',
        '    def do_PUT(self):',
        '        requests.append("PUT " + self.path + " ttl=" + str(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")))',
        '        self.reply(200, tokens[-1])',
        '    def do_GET(self):',
        '        token = self.headers.get("X-aws-ec2-metadata-token")',
        '        requests.append("GET " + self.path + " token=" + str(token))',
        '        if token != tokens[-1]:',
        '            return self.reply(401)',
        '        answers = {',
        '            "/latest/meta-data/iam/security-credentials/": "spotbox-box-role\\n",',
        '            "/latest/meta-data/iam/security-credentials/spotbox-box-role": json.dumps({"Code": "Success", "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret", "Token": "session-token", "Expiration": "2099-01-01T00:00:00Z"}),',
        '        }',
        '        self.reply(200, answers[self.path]) if self.path in answers else self.reply(404)',
        '    def log_message(self, *args):',
        '        pass',
        // Threads: the agent keeps its connection open, which would hold a single-threaded server.
        'server = ThreadingHTTPServer(("127.0.0.1", 0), Imds)',
        'server.daemon_threads = True',
        'threading.Thread(target=server.serve_forever, daemon=True).start()',
        'for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):',
        '    os.environ.pop(name, None)',
        'metadata = agent.Metadata({"imdsEndpoint": "http://127.0.0.1:%d" % server.server_port})',
        'keys = metadata.credentials()',
        'again = metadata.credentials()',
        'tokens.append("t2")',
        'action = metadata.get("meta-data/spot/instance-action")',
        'server.shutdown()',
        'print(json.dumps({"keys": keys, "again": again, "action": action, "requests": requests}))',
      ].join('\n'),
    );
    assert.deepEqual(run.keys, ['ASIAEXAMPLE', 'secret', 'session-token']);
    assert.deepEqual(run.again, run.keys);
    assert.equal(run.action, null, '404: no notice');
    assert.deepEqual(run.requests, [
      'PUT /latest/api/token ttl=21600',
      'GET /latest/meta-data/iam/security-credentials/ token=t1',
      'GET /latest/meta-data/iam/security-credentials/spotbox-box-role token=t1',
      // The keys are cached until 5 minutes before they expire: no second read.
      'GET /latest/meta-data/spot/instance-action token=t1',
      'PUT /latest/api/token ttl=21600',
      'GET /latest/meta-data/spot/instance-action token=t2',
    ]);
  });

  it('parses the notice and credential times IMDS gives', () => {
    const times = runAgentPython<Array<number | null>>(
      "print(json.dumps([agent.parse_time(t) for t in ['2026-11-27T08:22:00Z', '2026-11-27T08:22:00.500Z', '2026-11-27T08:22:00+00:00', 'soon', None]]))",
    );
    const at = Date.parse('2026-11-27T08:22:00Z') / 1000;
    assert.deepEqual(times, [at, at + 0.5, at, null, null]);
  });
});
