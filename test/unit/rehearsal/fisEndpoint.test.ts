import * as assert from 'node:assert/strict';
import { configuredFisEndpoint, parseSharedConfig } from '../../../src/core/aws/configuredEndpoint';

const CONFIG = `# a comment
[default]
region = us-west-2

[profile sandbox]
region = us-east-1
services = sandbox-services ; trailing comment

[services sandbox-services]
ec2 =
  endpoint_url = http://127.0.0.1:4001
fis =
  endpoint_url = http://127.0.0.1:4005
s3 =
  endpoint_url = http://127.0.0.1:4002

[profile global]
endpoint_url = http://127.0.0.1:5000

[profile ignoring]
services = sandbox-services
ignore_configured_endpoint_urls = true
`;

const resolve = (profile: string | undefined, env: NodeJS.ProcessEnv = {}, text: string | null = CONFIG): string | undefined =>
  configuredFisEndpoint(profile, { env: { AWS_CONFIG_FILE: '/config', ...env }, readConfigFile: (file) => (file === '/config' ? (text ?? undefined) : undefined) });

describe('configuredFisEndpoint', () => {
  it("reads the fis entry of the profile's services section, not another service's", () => {
    assert.equal(resolve('sandbox'), 'http://127.0.0.1:4005');
  });

  it('uses AWS_PROFILE when no profile is given, and the explicit profile over AWS_PROFILE', () => {
    assert.equal(resolve(undefined, { AWS_PROFILE: 'sandbox' }), 'http://127.0.0.1:4005');
    assert.equal(resolve('global', { AWS_PROFILE: 'sandbox' }), 'http://127.0.0.1:5000');
    assert.equal(resolve(undefined), undefined, 'the default profile names no endpoint');
  });

  it('puts AWS_ENDPOINT_URL_FIS before AWS_ENDPOINT_URL before the config file', () => {
    assert.equal(resolve('sandbox', { AWS_ENDPOINT_URL_FIS: 'http://fis.env', AWS_ENDPOINT_URL: 'http://all.env' }), 'http://fis.env');
    assert.equal(resolve('sandbox', { AWS_ENDPOINT_URL: 'http://all.env' }), 'http://all.env');
  });

  it('honours both ways of ignoring configured endpoints', () => {
    assert.equal(resolve('sandbox', { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL_FIS: 'http://fis.env' }), undefined);
    assert.equal(resolve('ignoring'), undefined);
  });

  it('answers nothing for an unknown profile or a missing file', () => {
    assert.equal(resolve('nobody'), undefined);
    assert.equal(resolve('sandbox', {}, null), undefined);
  });
});

describe('parseSharedConfig', () => {
  it('keeps nested settings under their parent and, as the SDK does, ends the nesting at the next top-level key', () => {
    const sections = parseSharedConfig('[services x]\nfis =\n  endpoint_url = http://a\nregion = eu-west-1\n  endpoint_url = http://b\n');
    assert.deepEqual(Object.fromEntries(sections.get('services x')!), { 'fis.endpoint_url': 'http://a', region: 'eu-west-1', endpoint_url: 'http://b' });
  });
});
