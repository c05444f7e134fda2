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

describe('scrubSecrets: tokens of git hosts, IMDS and STS, and credentials in URLs', () => {
  it('removes them wherever they appear in a line', () => {
    const secrets = {
      'cloning https://octocat:s3cret-pass@github.com/you/p.git': 's3cret-pass',
      'cloning https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/you/p.git': 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'fatal: unable to access https://x-token@gitlab.example/p.git/': 'x-token',
      'token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz in a config dump': 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'remote ssh://git:hunter2@host.example/p.git': 'hunter2',
      'GET https://host.example/p.git?access_token=abc123def&x=1': 'abc123def',
      'x-amz-security-token: IQoJb3JpZ2luX2VjEHcaCXVzLWVhc3QtMSJGMEQ': 'IQoJb3JpZ2luX2VjEHcaCXVzLWVhc3QtMSJGMEQ',
      '{"X-aws-ec2-metadata-token":"AQAEAFakeImdsToken1234567890abcdef=="}': 'FakeImdsToken1234567890abcdef',
      'PUT /latest/api/token -> AQAEAFakeImdsToken1234567890abcdef==': 'FakeImdsToken1234567890abcdef',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig': 'eyJhbGciOiJIUzI1NiJ9',
    };
    for (const [line, secret] of Object.entries(secrets)) {
      assert.ok(!scrubSecrets(line).includes(secret), `${secret} leaked: ${scrubSecrets(line)}`);
    }
  });

  it('keeps what is not a secret: an ssh user, a plain https remote, a TTL header', () => {
    for (const line of ['cloning git@github.com:you/p.git', 'cloning ssh://git@github.com/you/p.git', 'cloning https://github.com/you/p.git', 'X-aws-ec2-metadata-token-ttl-seconds: 21600']) {
      assert.equal(scrubSecrets(line), line);
    }
  });
});
