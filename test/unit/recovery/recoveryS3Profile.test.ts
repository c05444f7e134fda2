import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../../../src/core/logging/logger';
import { cloudRecoveryPorts } from '../../../src/core/recoveryPorts/cloudRecoveryPorts';
import { checkpointLineage, recordingS3, type RecordingS3 } from '../checkpoint/recordingS3';

const record = checkpointLineage();

describe('the recovery reads the AWS profile for S3 at each use (spotbox.awsProfile changed after start-up)', () => {
  const saved: Record<string, string | undefined> = {};
  let directory: string;
  let servers: RecordingS3[] = [];

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-s3profile-'));
    for (const key of ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  });
  afterEach(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('a checkpoint looked up after the profile changed goes to the new profile\'s S3', async () => {
    const first = await recordingS3();
    const second = await recordingS3();
    servers = [first, second];
    const profileText = (name: string, url: string): string => `[profile ${name}]\naws_access_key_id = AKIA${name.toUpperCase()}\naws_secret_access_key = secret\nendpoint_url = ${url}\n`;
    fs.writeFileSync(path.join(directory, 'config'), profileText('first', first.url) + profileText('second', second.url));
    process.env.AWS_CONFIG_FILE = path.join(directory, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(directory, 'no-credentials');

    let awsProfile = 'first';
    const ports = cloudRecoveryPorts({
      clients: () => assert.fail('EC2 is not used'),
      endpointOf: async () => assert.fail('SSH is not used'),
      releaseLaunchResources: async () => undefined,
      ownerId: 'owner-1',
      s3Profile: () => awsProfile,
      logger: silentLogger,
    });
    assert.equal(await ports.newestCheckpoint(record), undefined);
    assert.ok(first.seen.length > 0 && second.seen.length === 0, 'the first look uses the first profile');

    awsProfile = 'second';
    const before = first.seen.length;
    assert.equal(await ports.newestCheckpoint(record), undefined);
    assert.ok(second.seen.length > 0, 'the profile chosen later is the one used');
    assert.equal(first.seen.length, before, 'and the old one is not asked again');
  });
});
