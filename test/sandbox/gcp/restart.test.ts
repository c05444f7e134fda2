/**
 * A sandbox restart keeps its Google Cloud: the VM that was running boots again at the same
 * address with the same host keys (a client that pinned them still trusts it), firewalls and
 * GCS objects are still there, and the service account key file stays valid.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { sshExec } from '../e2e/sshExec';
import { fingerprintOfKeyBlob } from '../../../src/core/ssh/hostKeyFingerprints';
import { eventually, newTempDir, spotInsertBody, sshKeyPair, startGcpTestSandbox, stopTestSandbox, waitForOperation, ZONE, type GcpTestContext } from './gcpHarness';

describe('sandbox GCP: restart', function () {
  this.timeout(180_000);
  let directory: string | undefined;
  let context: GcpTestContext | undefined;

  before(() => {
    directory = newTempDir('spotbox-gcp-restart-');
  });

  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });

  const hostKey = async (c: GcpTestContext, name: string): Promise<string> =>
    eventually(`${name}'s host key`, async () => {
      const { status, json } = await c.call('GET', `${c.projectUrl}zones/${ZONE}/instances/${name}/getGuestAttributes?variableKey=hostkeys/ssh-ed25519`);
      return status === 200 ? String(json.variableValue) : undefined;
    });

  it('boots the running VM again with its address and host keys, and keeps firewalls and objects', async () => {
    context = await startGcpTestSandbox(directory!);
    const keys = sshKeyPair(directory!);
    await waitForOperation(context, (await context.call('POST', `${context.projectUrl}zones/${ZONE}/instances`, spotInsertBody('keeper', keys.publicKey))).json);
    await waitForOperation(context, (await context.call('POST', `${context.projectUrl}global/firewalls`, { name: 'keep-ssh', allowed: [{ IPProtocol: 'tcp', ports: ['22'] }], sourceRanges: ['0.0.0.0/0'] })).json);
    const upload = await fetch(`${context.sandbox.endpoints.gcpStorage}/upload/storage/v1/b/spotbox-sandbox/o?uploadType=media&name=kept.txt`, { method: 'POST', headers: { authorization: `Bearer ${context.token}` }, body: 'kept' });
    assert.equal(upload.status, 200);
    const firstKey = await hostKey(context, 'keeper');
    const firstIp = context.sandbox.gcp.compute.instances.get(ZONE, 'keeper').address!.ip;
    const keyFile = fs.readFileSync(context.sandbox.endpoints.gcpKeyFile, 'utf8');
    const tokenBeforeRestart = context.token;
    await context.sandbox.stop();

    context = await startGcpTestSandbox(directory!);
    const privateKey = (file: string): string => (JSON.parse(file) as { private_key: string }).private_key;
    assert.equal(privateKey(fs.readFileSync(context.sandbox.endpoints.gcpKeyFile, 'utf8')), privateKey(keyFile), 'the same service account key');
    const { json: instance } = await context.call('GET', `${context.projectUrl}zones/${ZONE}/instances/keeper`);
    assert.ok(['PROVISIONING', 'STAGING', 'RUNNING'].includes(String(instance.status)), String(instance.status));
    assert.equal(await hostKey(context, 'keeper'), firstKey);
    assert.equal(context.sandbox.gcp.compute.instances.get(ZONE, 'keeper').address!.ip, firstIp);
    const out = await sshExec({ host: firstIp, port: 22, privateKey: keys.privateKey, username: 'alice', pinnedFingerprints: [fingerprintOfKeyBlob(Buffer.from(firstKey, 'base64'))] }, 'hostname');
    assert.equal(out.stdout.trim(), 'keeper');
    assert.equal((await context.call('GET', `${context.projectUrl}global/firewalls/keep-ssh`)).status, 200);
    const kept = await fetch(`${context.sandbox.endpoints.gcpStorage}/storage/v1/b/spotbox-sandbox/o/kept.txt?alt=media`, { headers: { authorization: `Bearer ${context.token}` } });
    assert.equal(await kept.text(), 'kept');
    // gcloud and the boxes cache their tokens: one issued before the restart still works for its hour, as on Google.
    const cached = await fetch(`${context.projectUrl}zones/${ZONE}/instances`, { headers: { authorization: `Bearer ${tokenBeforeRestart}` } });
    assert.equal(cached.status, 200, 'a token issued before the restart is still accepted');
    await waitForOperation(context, (await context.call('DELETE', `${context.projectUrl}zones/${ZONE}/instances/keeper`)).json);
  });
});
