import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { startTestSandbox, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';

describe('The sandbox serves FIS beside EC2 (sandbox/sandbox.ts)', function () {
  this.timeout(60_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;

  before(() => {
    directory = tempDir('spotbox-fis-ports-');
  });

  after(async () => {
    await stopTestSandbox(sandbox, directory);
  });

  it('names the FIS endpoint in its endpoints and in the profile, and keeps its port across a restart', async () => {
    sandbox = await startTestSandbox(directory);
    const first = sandbox.endpoints.fis;
    assert.match(first, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(first, sandbox.endpoints.ec2);
    const profile = fs.readFileSync(sandbox.endpoints.awsConfigFile, 'utf8');
    assert.ok(profile.includes(`fis =\n  endpoint_url = ${first}\n`), profile);
    const unsigned = await fetch(`${first}/experimentTemplates`);
    assert.equal(unsigned.status, 403, 'an unsigned request is refused as on AWS');
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');

    await sandbox.stop();
    sandbox = await startTestSandbox(directory);
    assert.equal(sandbox.endpoints.fis, first, 'SDKs that read the old profile keep working');
  });
});
