/**
 * Spotbox's own GCP pipeline (src/core/gcp) against the sandbox's Google Cloud, over the wire: the
 * gcloud configuration the sandbox writes, google-auth-library's service-account flow, a Spot box
 * launched with its firewall and key, listed in the tree's source, attached with host keys pinned
 * from guest attributes, and terminated with nothing left; no capacity in the first zone; a quota
 * refusal rolled back.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { GCP_DEFAULT_IMAGE } from '../../../src/core/profile/cloudRules';
import type { GcpClients } from '../../../src/core/gcp/gcpClients';
import { GceBoxSource } from '../../../src/core/gcp/gceBoxSource';
import { resolveGceEndpoint } from '../../../src/core/gcp/gceEndpoint';
import { launchGceBox, type GceLaunchRequest } from '../../../src/core/gcp/gceLaunch';
import { terminateGceBox } from '../../../src/core/gcp/gceTerminate';
import { RollbackJournal, rollBackAfter } from '../../../src/core/launch/rollbackJournal';
import { silentLogger } from '../../../src/core/logging/logger';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { launchGceProfile } from '../../../src/core/profileLaunch/launchGceProfile';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { useGcpPipelineSandbox } from './gcpHarness';

const OWNER = 'owner-gcp-launch';

describe('GCP launch pipeline against the sandbox (src/core/gcp over the wire)', function () {
  this.timeout(240_000);
  const suite = useGcpPipelineSandbox('spotbox-gce-launch-');
  const control = (route: string, body: Record<string, unknown>): Promise<void> => suite.control(route, body);
  let clients: GcpClients;
  let keyDirectory: string;
  before(() => {
    ({ clients, keyDirectory } = suite);
  });
  const request = (overrides: Partial<GceLaunchRequest> = {}): GceLaunchRequest => ({
    boxName: 'llama',
    regions: ['us-central1'],
    machineTypes: ['g2-standard-4'],
    image: GCP_DEFAULT_IMAGE,
    diskSizeGb: 50,
    sshUser: 'ubuntu',
    workspaceDir: '~/workspace',
    callerIp: '127.0.0.1',
    owner: OWNER,
    keyDirectory,
    ...overrides,
  });
  const firewallNames = async (): Promise<string[]> => (await clients.compute.listFirewalls()).map((rule) => rule.name).filter((name) => name.startsWith('spotbox-ssh-'));

  it('reads the sandbox through the gcloud configuration it wrote: project and the key file', () => {
    assert.equal(clients.project, 'spotbox-sandbox');
    assert.match(clients.auth.describeSource(), /service-account\.json, from credential_file_override/);
  });

  it('launches a Spot box, lists it, attaches with pinned host keys, and terminates it with nothing left', async () => {
    const journal = new RollbackJournal(silentLogger);
    const progress: string[] = [];
    const launched = await launchGceBox(clients.compute, request(), { logger: silentLogger, journal, onProgress: (message) => progress.push(message) });
    assert.equal(launched.zone.startsWith('us-central1-'), true, launched.zone);
    assert.equal(launched.instance.scheduling?.provisioningModel, 'SPOT');
    assert.ok(progress.some((line) => /opening SSH to llama-[0-9a-f]{8} from 127\.0\.0\.1 only/.test(line)), progress.join(' | '));
    const rule = (await clients.compute.listFirewalls()).find((candidate) => candidate.name === `spotbox-ssh-${launched.name}`);
    assert.deepEqual(rule?.sourceRanges, ['127.0.0.1/32'], 'SSH from the caller only');

    const source = new GceBoxSource(async () => clients.compute, clients.project);
    const listed = (await source.listBoxes()).find((box) => box.instanceId === launched.name);
    assert.ok(listed, 'the tree lists the new box');
    assert.deepEqual([listed.cloud, listed.name, listed.state, listed.lifecycle, listed.instanceType, listed.sshUser], ['gcp', 'llama', 'running', 'spot', 'g2-standard-4', 'ubuntu']);
    assert.equal(listed.sessionId, launched.sessionId);

    const endpoint = await resolveGceEndpoint(clients.compute, listed, { keyDirectory, defaultUser: 'ubuntu', pollMs: 300 });
    assert.ok(endpoint.hostKeys.length > 0, 'host keys pinned from Google');
    const client = await connectEndpoint(endpoint, { retries: 20 });
    try {
      const whoami = await runRemoteCommand(client, 'whoami && hostname');
      assert.equal(whoami.stdout.trim().split('\n')[0], 'ubuntu');
    } finally {
      client.end();
    }

    await terminateGceBox(clients.compute, listed, { ownerId: OWNER, keyDirectory });
    assert.equal((await source.listBoxes()).some((box) => box.instanceId === launched.name), false, 'the instance is gone');
    assert.deepEqual(await firewallNames(), [], 'its firewall rule is gone');
    assert.equal(fs.existsSync(launched.privateKeyPath), false, 'its key is gone');
  });

  it('moves on to the next zone when the first has no capacity', async () => {
    const zones = (await clients.compute.listZones()).map((zone) => zone.name).filter((zone) => zone.startsWith('us-central1-')).sort();
    await control('/gcp/faults/capacity', { zone: zones[0], count: 1 });
    const launched = await launchGceBox(clients.compute, request(), { logger: silentLogger, journal: new RollbackJournal(silentLogger) });
    assert.equal(launched.skipped[0]?.placement.zone, zones[0]);
    assert.match(launched.skipped[0]?.reason ?? '', /ZONE_RESOURCE_POOL_EXHAUSTED|capacity/i);
    assert.equal(launched.zone, zones[1]);
    const box = (await new GceBoxSource(async () => clients.compute, clients.project).listBoxes()).find((candidate) => candidate.instanceId === launched.name);
    await terminateGceBox(clients.compute, box!, { ownerId: OWNER, keyDirectory });
  });

  it('refuses a quota it lacks with the quota named, and rolls back the key and firewall rule it made', async () => {
    await control('/gcp/faults/quota', { metric: 'PREEMPTIBLE_NVIDIA_A100_GPUS', region: 'us-central1', count: 1 });
    const journal = new RollbackJournal(silentLogger);
    const keysBefore = fs.readdirSync(keyDirectory);
    const failure = await launchGceBox(clients.compute, request({ machineTypes: ['a2-highgpu-1g'] }), { logger: silentLogger, journal }).then(
      () => assert.fail('the launch should fail'),
      (error: unknown) => error,
    );
    assert.match(String((failure as Error).message), /PREEMPTIBLE_NVIDIA_A100_GPUS/);
    const thrown = await rollBackAfter(journal, failure);
    assert.equal(thrown, failure, 'everything was removed, so the original error is what the user sees');
    assert.deepEqual(await firewallNames(), []);
    assert.deepEqual(fs.readdirSync(keyDirectory), keysBefore);
    assert.deepEqual((await new GceBoxSource(async () => clients.compute, clients.project).listBoxes()).length, 0);
  });

  it('launches a profile end to end: the workspace uploaded to the box, then terminated with nothing left', async () => {
    const workspace = fs.mkdtempSync(path.join(path.dirname(keyDirectory), 'workspace-'));
    fs.writeFileSync(path.join(workspace, 'train.py'), 'print("hello from the box")\n');
    const parsed = parseProfile(JSON.stringify({ name: 'llama-ft', cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], maxPrice: 2, volumeGb: 50 }), 'profile.json');
    assert.deepEqual(parsed.problems, []);
    const progress: string[] = [];
    const result = await launchGceProfile(parsed.profile!, { callerIp: '127.0.0.1', keyDirectory, owner: OWNER, localRoot: workspace }, { compute: clients.compute }, { logger: silentLogger, onProgress: (message) => progress.push(message) });
    assert.equal(result.box.cloud, 'gcp');
    assert.equal(result.provisioned.workspace, 'uploaded', JSON.stringify(result.provisioned));
    const client = await connectEndpoint(result.endpoint, { retries: 10 });
    try {
      assert.equal((await runRemoteCommand(client, 'python3 ~/workspace/train.py')).stdout.trim(), 'hello from the box');
    } finally {
      client.end();
    }
    assert.ok(progress.includes('preparing the box'), progress.join(' | '));
    await terminateGceBox(clients.compute, result.box, { ownerId: OWNER, keyDirectory });
    assert.deepEqual(await firewallNames(), []);
  });

  it('refuses to terminate an instance another installation launched', async () => {
    const launched = await launchGceBox(clients.compute, request({ owner: 'someone-else' }), { logger: silentLogger, journal: new RollbackJournal(silentLogger) });
    const box = (await new GceBoxSource(async () => clients.compute, clients.project).listBoxes()).find((candidate) => candidate.instanceId === launched.name)!;
    await assert.rejects(terminateGceBox(clients.compute, box, { ownerId: OWNER, keyDirectory }), /not a box this Spotbox installation launched/);
    await terminateGceBox(clients.compute, box, { ownerId: 'someone-else', keyDirectory });
  });
});
