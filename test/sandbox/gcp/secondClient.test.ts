/**
 * A client the sandbox's authors did not write checks its wire format: Debian's python3-google-auth
 * (the service-account flow against the token endpoint, and metadata-server credentials on a box)
 * with plain HTTP for Compute Engine and Cloud Storage. See second_client.py.
 */
import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { newTempDir, sshKeyPair, startGcpTestSandbox, stopTestSandbox, ZONE, type GcpTestContext } from './gcpHarness';

/** Debian's python, where python3-google-auth lives (a pyenv python on PATH would not have it). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '../../../../test/sandbox/gcp/second_client.py');

function googleAuthInstalled(): boolean {
  return spawnSync(PYTHON, ['-c', 'import google.oauth2.service_account, google.auth.transport.requests'], { stdio: 'ignore' }).status === 0;
}

describe('sandbox GCP: a second client (python3-google-auth + HTTP)', function () {
  this.timeout(180_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;

  before(async function () {
    if (!googleAuthInstalled()) {
      console.log('      (skipped: /usr/bin/python3 without python3-google-auth and python3-requests)');
      this.skip();
    }
    directory = newTempDir('spotbox-gcp-second-');
    context = await startGcpTestSandbox(directory);
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  it('gets a token, runs a VM through its operation, logs in with the pinned host key, and round-trips GCS', async () => {
    const { sandbox } = context!;
    const keys = sshKeyPair(directory!);
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        PYTHON,
        [SCRIPT],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            GOOGLE_APPLICATION_CREDENTIALS: sandbox.endpoints.gcpKeyFile,
            SECOND_CLIENT_COMPUTE: sandbox.endpoints.gcpCompute,
            SECOND_CLIENT_STORAGE: sandbox.endpoints.gcpStorage,
            SECOND_CLIENT_PROJECT: sandbox.endpoints.gcpProject,
            SECOND_CLIENT_BUCKET: sandbox.endpoints.gcpBucket,
            SECOND_CLIENT_ZONE: ZONE,
            SECOND_CLIENT_SSH_KEY: keys.privateKeyPath,
          },
          timeout: 150_000,
        },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
      );
    });
    const lines = output.trim().split('\n');
    assert.deepEqual(lines.filter((line) => !line.startsWith('OK ')), [], output);
    assert.equal(lines.length, 13, output);
  });
});
