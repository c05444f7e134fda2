import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { EC2Client } from '@aws-sdk/client-ec2';
import { buildAgentConfig } from '../../../src/core/agent/agentConfig';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { CheckpointStore } from '../../../src/core/checkpoint/checkpointStore';
import { userMessageOf } from '../../../src/core/errors';
import { SANDBOX_ACCESS_KEY } from '../../../sandbox/awsProfile';
import { ACCOUNT_ID } from '../../../sandbox/ec2/actions/common';
import { SANDBOX_BUCKET, type RunningSandbox } from '../../../sandbox/sandbox';
import { startTestSandbox, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';
import { AgentBox, eventsOf, REGION } from './agentBox';

const PREFIX = 'owner-check';
const OTHER_ACCOUNT = '111111111111';

function withoutProfile(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'AWS_PROFILE' && name !== 'AWS_DEFAULT_PROFILE'));
}

/**
 * L13: a checkpoint is never written to or read from a bucket of the same name another account
 * owns. The sandbox's S3 refuses a request whose expected bucket owner is not its account, as S3 does.
 */
describe('Checkpoint S3 requests expect the account EC2 named to own the bucket', function () {
  this.timeout(240_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let box: AgentBox | undefined;

  before(async () => {
    directory = tempDir('spotbox-owner-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
  });

  after(async () => {
    await box?.terminate(clients, ec2);
    ec2?.destroy();
    clients?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  it('a second S3 client (the AWS CLI, with the sandbox keys) is refused by the sandbox for another account and let through for its own', async function () {
    const cli = async (owner: string): Promise<{ code: number; stderr: string }> => {
      try {
        await promisify(execFile)('aws', ['s3api', 'head-bucket', '--bucket', SANDBOX_BUCKET, '--expected-bucket-owner', owner, '--endpoint-url', sandbox!.endpoints.s3, '--region', REGION], {
          env: { ...withoutProfile(process.env), AWS_ACCESS_KEY_ID: SANDBOX_ACCESS_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SANDBOX_ACCESS_KEY.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
        });
        return { code: 0, stderr: '' };
      } catch (error) {
        const failed = error as { code?: number | string; stderr?: string };
        if (failed.code === 'ENOENT') this.skip();
        return { code: Number(failed.code), stderr: failed.stderr ?? '' };
      }
    };
    const own = await cli(ACCOUNT_ID);
    assert.equal(own.code, 0, own.stderr);
    const other = await cli(OTHER_ACCOUNT);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /403|Forbidden/);
    const invalid = await cli('12345');
    assert.match(invalid.stderr, /400|Bad Request/);
  });

  it('the checkpoint store is refused for another account, works for the sandbox account and for a lineage without one', async () => {
    const store = (expectedBucketOwner?: string): CheckpointStore => new CheckpointStore({ bucket: SANDBOX_BUCKET, prefix: PREFIX }, { region: REGION, ...(expectedBucketOwner ? { expectedBucketOwner } : {}) });
    const wrong = store(OTHER_ACCOUNT);
    await assert.rejects(wrong.listSessions(), (error: unknown) => /AccessDenied|denied/i.test(userMessageOf(error)));
    wrong.dispose();
    assert.ok(sandbox!.events.events({ kind: 's3-owner-refused' }).length >= 1);
    for (const owner of [ACCOUNT_ID, undefined]) {
      const right = store(owner);
      assert.deepEqual(await right.listSessions(), []);
      right.dispose();
    }
  });

  it('a launch records the account of the reservation, and the agent sends its identity document\'s account on every request', async () => {
    const config = buildAgentConfig({
      sessionId: 'owned',
      region: REGION,
      workspaceDir: '~/workspace',
      checkpoint: { bucket: SANDBOX_BUCKET, prefix: PREFIX },
      checkpointDir: '~/checkpoints',
      tuning: { quietSeconds: 1 },
    });
    box = await AgentBox.launch(clients, ec2, config, path.join(directory, 'keys'));
    assert.equal(box.launched.accountId, ACCOUNT_ID);
    await box.sh('mkdir -p ~/checkpoints ~/workspace && echo weights > ~/checkpoints/model.bin && echo "a = 1" > ~/workspace/a.py');
    sandbox!.s3.expectedOwnersSeen(true);
    const first = await box.checkpointNow();
    assert.equal(first.type, 'checkpoint-committed', JSON.stringify(first));
    // The second one copies the unchanged files server-side (CopyObject: the source bucket is checked too).
    assert.equal((await box.checkpointNow()).type, 'checkpoint-committed');
    const seen = sandbox!.s3.expectedOwnersSeen(true);
    assert.ok((seen[ACCOUNT_ID] ?? 0) >= 4, JSON.stringify(seen));
    assert.equal(seen[''], undefined, `requests without the header: ${JSON.stringify(seen)}`);
    assert.deepEqual(eventsOf(await box.journal(), 'warning').filter((event) => event.code === 'bucket-owner-unknown'), []);

    // The same S3 client with another account's id in the identity document: S3 refuses it.
    const probe = [
      'import os, sys; sys.path.insert(0, os.path.expanduser("~/.spotbox"))',
      'import spotbox_agent as a',
      'cfg = a.load_config("~/.spotbox/agent.json"); m = a.Metadata(cfg); m.get = lambda path, get=m.get: \'{"accountId": "%s"}\' % sys.argv[1] if "identity" in path else get(path)',
      'try:\n    a.S3(cfg, m).list(cfg["prefix"] + "/"); print("listed")\nexcept a.S3Error as e:\n    print(e)',
    ].join('\n');
    const run = (account: string): Promise<string> => box!.sh(`python3 -B - ${account} <<'PY'\n${probe}\nPY`);
    assert.match(await run(OTHER_ACCOUNT), /HTTP 403 AccessDenied/);
    assert.match(await run(ACCOUNT_ID), /^listed/);
  });
});
