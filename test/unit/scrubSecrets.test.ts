import * as assert from 'node:assert/strict';
import { scrubSecrets } from '../../src/core/logging/scrubSecrets';

describe('scrubSecrets', () => {
  it('removes access keys, secret keys, signatures, metadata tokens and private keys', () => {
    const text = [
      'key AKIAIOSFODNN7EXAMPLE used',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      '{"secretAccessKey":"abc/def+ghi"}',
      'GET /?X-Amz-Signature=deadbeef&Action=DescribeRegions',
      'X-aws-ec2-metadata-token: AQAEAtoken==',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
    ].join('\n');
    const scrubbed = scrubSecrets(text);
    for (const secret of ['IOSFODNN7EXAMPLE', 'wJalrXUtnFEMI', 'abc/def+ghi', 'deadbeef', 'AQAEAtoken', 'b3BlbnNzaC1rZXktdjEAAAAA']) {
      assert.ok(!scrubbed.includes(secret), `${secret} leaked: ${scrubbed}`);
    }
    assert.match(scrubbed, /Action=DescribeRegions/);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Launched i-0abc in us-east-1a (g5.xlarge) at $0.42/h';
    assert.equal(scrubSecrets(text), text);
  });
});
