import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listAwsProfiles } from '../../src/core/aws/awsProfiles';
import { configuredServiceEndpoint } from '../../src/core/aws/configuredEndpoint';
import { Ec2ClientPool } from '../../src/core/aws/ec2ClientPool';

describe('AWS profiles (the picker, and endpoints of a profile chosen by name)', () => {
  let directory: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-aws-'));
    env = { AWS_CONFIG_FILE: path.join(directory, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(directory, 'credentials') };
    fs.writeFileSync(
      env.AWS_CONFIG_FILE!,
      '[default]\nregion = us-east-1\n\n[profile work]\nsso_session = corp\nregion = eu-west-1\n\n[profile sandbox]\nservices = sb\n\n[services sb]\nec2 =\n  endpoint_url = http://127.0.0.1:4566\n',
    );
    fs.writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE!, '[ci]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n');
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('lists the profiles of both files, default first, with how each gets credentials', () => {
    assert.deepEqual(
      listAwsProfiles(env).map((profile) => `${profile.name}:${profile.kind}:${profile.region ?? '-'}:${profile.endpoints}`),
      ['default:other:us-east-1:false', 'ci:keys:-:false', 'sandbox:other:-:true', 'work:sso:eu-west-1:false'],
    );
  });

  it('names the file and line of a malformed profile file', () => {
    fs.writeFileSync(env.AWS_CONFIG_FILE!, '[default]\nregion = us-east-1\n[profile broken\nregion = x\n');
    assert.throws(() => listAwsProfiles(env), (error: Error) => /config:3: "\[profile broken" is not a section header/.test(error.message));
  });

  it('finds the EC2 endpoint of a profile passed by name, which the SDK alone would miss', async () => {
    assert.equal(configuredServiceEndpoint('ec2', 'sandbox', { env }), 'http://127.0.0.1:4566');
    assert.equal(configuredServiceEndpoint('ec2', 'work', { env }), undefined);
    const saved = process.env.AWS_CONFIG_FILE;
    process.env.AWS_CONFIG_FILE = env.AWS_CONFIG_FILE;
    const pool = new Ec2ClientPool({ profile: 'sandbox' });
    try {
      const endpoint = await (await pool.client('us-east-1')).config.endpoint?.();
      assert.equal(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`, 'http://127.0.0.1:4566');
    } finally {
      pool.dispose();
      if (saved === undefined) delete process.env.AWS_CONFIG_FILE;
      else process.env.AWS_CONFIG_FILE = saved;
    }
  });
});
