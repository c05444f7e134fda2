import * as assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { runAgentPython } from './agentPython';

class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', Buffer.from(this.secret as Uint8Array));
  }
}

interface SignCase {
  readonly method: string;
  /** As the agent sends it: each key segment URI-encoded once. */
  readonly path: string;
  readonly query: Array<[string, string]>;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly token?: string;
}

const HOST = 'examplebucket.s3.us-west-2.amazonaws.com';
const KEYS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const AMZ_DATE = '20261127T082000Z';

const CASES: SignCase[] = [
  { method: 'GET', path: '/examplebucket', query: [['list-type', '2'], ['prefix', 'ckpt/run 1/'], ['delimiter', '/']], headers: {}, body: '' },
  { method: 'PUT', path: '/examplebucket/ckpt/run-1/000007/files/my%20model%20%C3%BC%2B.bin', query: [], headers: {}, body: 'weights' },
  { method: 'POST', path: '/examplebucket/ckpt/big.bin', query: [['uploads', '']], headers: {}, body: '', token: 'FwoGZXIvYXdzEXAMPLE//token+=' },
  { method: 'PUT', path: '/examplebucket/ckpt/big.bin', query: [['uploadId', 'VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA'], ['partNumber', '2']], headers: {}, body: 'part two' },
  { method: 'PUT', path: '/examplebucket/ckpt/000008/files/a', query: [], headers: { 'x-amz-copy-source': '/examplebucket/ckpt/000007/files/a' }, body: '' },
  { method: 'POST', path: '/examplebucket', query: [['delete', '']], headers: { 'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==', 'content-type': 'application/xml' }, body: '<Delete/>' },
];

describe('the agent\'s hand-written SigV4 (resources/agent/spotbox_agent.py)', () => {
  it('signs S3 requests exactly as the AWS SDK\'s signer does', async () => {
    const agentHeaders = runAgentPython<Array<Record<string, string>>>(
      [
        'import hashlib',
        'out = []',
        'for c in json.load(sys.stdin):',
        `    out.append(agent.sign(c['method'], '${HOST}', c['path'], [tuple(q) for q in c['query']], c['headers'], hashlib.sha256(c['body'].encode()).hexdigest(), '${KEYS.accessKeyId}', '${KEYS.secretAccessKey}', c.get('token'), 'us-west-2', '${AMZ_DATE}'))`,
        'print(json.dumps(out))',
      ].join('\n'),
      CASES,
    );
    for (const [index, testCase] of CASES.entries()) {
      const signer = new SignatureV4({
        service: 's3',
        region: 'us-west-2',
        credentials: { ...KEYS, ...(testCase.token ? { sessionToken: testCase.token } : {}) },
        sha256: NodeSha256,
        // S3 signs the path as sent: encoded once, not twice as other services.
        uriEscapePath: false,
      });
      const payloadHash = createHash('sha256').update(testCase.body).digest('hex');
      const signed = await signer.sign(
        {
          method: testCase.method,
          protocol: 'https:',
          hostname: HOST,
          path: testCase.path,
          query: Object.fromEntries(testCase.query),
          headers: { host: HOST, 'x-amz-content-sha256': payloadHash, ...testCase.headers },
          body: testCase.body,
        },
        { signingDate: new Date('2026-11-27T08:20:00Z') },
      );
      assert.match(String(signed.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20261127\/us-west-2\/s3\/aws4_request, /);
      assert.equal(agentHeaders[index]?.authorization, signed.headers.authorization, `${testCase.method} ${testCase.path}`);
      assert.equal(agentHeaders[index]?.['x-amz-security-token'], testCase.token);
    }
  });
});
