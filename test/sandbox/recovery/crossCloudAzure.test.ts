/**
 * Issue 14's cross-cloud scenario onto Azure (crossCloudScenario.ts up to the resume), over the
 * wire: AWS has no Spot capacity at the notice, so the notice checkpoint is copied from S3 to the
 * profile's Blob container (Azurite behind the sandbox's role-enforcing HTTPS proxy), a Spot scale
 * set of one comes up on Azure with the same lineage and restores it at boot, and the real PyTorch
 * trainer resumes at the exact step it saved at. The AWS lineage ends (fleet, box, launch
 * resources); Terminate Box on Azure then leaves nothing on either cloud, the role assignment included.
 */
import * as assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { AzureBoxSource } from '../../../src/core/azure/azureBoxSource';
import { resolveCheckpointAccount } from '../../../src/core/azure/azureCheckpointAccount';
import { createAzureClients, type AzureClients } from '../../../src/core/azure/azureClients';
import { resolveAzureEndpoint } from '../../../src/core/azure/azureEndpoint';
import { terminateAzureBox } from '../../../src/core/azure/azureTerminate';
import { BlobClient } from '../../../src/core/azure/blobClient';
import { manifestKey, sessionFolder, seqFolder } from '../../../src/core/checkpoint/checkpointLayout';
import { createS3Client } from '../../../src/core/checkpoint/s3Client';
import { blobObjectSink } from '../../../src/core/crossCloud/blobObjectSink';
import { copyCheckpoint } from '../../../src/core/crossCloud/checkpointCopy';
import { s3ObjectSource } from '../../../src/core/crossCloud/s3ObjectSource';
import { AZURE_SWEEP_SCOPE, azureHygieneCloud } from '../../../src/core/hygiene/azureHygieneCloud';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { azureLanding } from '../../../src/core/crossCloud/azureLanding';
import { profileOnOtherCloud } from '../../../src/core/crossCloud/otherCloudProfile';
import { SpotboxError } from '../../../src/core/errors';
import { silentLogger } from '../../../src/core/logging/logger';
import { AZURE_DEFAULT_IMAGE } from '../../../src/core/profile/cloudRules';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import { timelineSummary } from '../../../src/core/recovery/timelineText';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { assembleAgentForTests } from '../../assembledAgent';
import { trustSandboxCa } from '../azure/trustSandboxCa';
import { eventually, TEST_OWNER_ID } from '../e2e/sandboxHarness';
import { assertAwsLineageEnded, assertCopyFigures, awsOrphans, CROSS_CLOUD_TRAINER, moveAtNotice, moveFigures, useCrossCloudWorld } from './crossCloudScenario';
import { fleetTrainerProfile, REGION } from './recoveryHarness';

const S3_BUCKET = 'spotbox-sandbox';

describe('Across clouds: AWS out of Spot capacity at a notice, the session resumes on Azure with its checkpoint copied to Blob storage (issue 14)', function () {
  this.timeout(300_000);
  // The box's login user reads the sandbox's CA bundle under the folder (a real VM trusts Azure's public CAs).
  const world = useCrossCloudWorld('spotbox-cross-azure-', { folderMode: 0o711 });
  let untrust: (() => void) | undefined;
  let azure: AzureClients;
  let blob: BlobClient;
  let bucket: string;
  let container: string;

  before(async () => {
    untrust = trustSandboxCa(world.sandbox.azure.certificates.ca);
    // The editor's clients from the sandbox's environment: the Azure CLI's cloud, the service principal.
    azure = createAzureClients();
    container = world.sandbox.endpoints.azureContainer;
    bucket = `${world.sandbox.endpoints.azureStorageAccount}/${container}`;
    blob = new BlobClient({ endpoint: (await resolveCheckpointAccount(azure, bucket)).blobEndpoint, credential: azure.storageCredential });
  });

  // After the world's own stop (hooks run in the order they are registered).
  after(() => untrust?.());

  /** The blobs under a lineage's folder with their sizes (List Blobs names them; each is read for its size). */
  const blobsUnder = async (folder: string): Promise<Array<{ name: string; size: number; body: Buffer }>> =>
    Promise.all((await blob.listBlobs(container, folder)).map(async (name) => {
      const body = (await blob.getBlob(container, name))!;
      return { name, size: body.byteLength, body };
    }));

  it('copies a committed checkpoint over the wire, S3 -> Blob storage through the HTTPS proxy, byte for byte', async () => {
    const s3 = await createS3Client({ region: REGION });
    const lineage = `copy-${Date.now().toString(36)}`;
    const folder = seqFolder('copy', lineage, 3);
    const files = [];
    for (const [index, size] of [5_000_000, 1, 0, 700_000].entries()) {
      const body = randomBytes(size);
      const key = `${folder}workspace/dir/file-${index}.bin`;
      await s3.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: key, Body: body }));
      files.push({ path: `dir/file-${index}.bin`, area: 'workspace', size, sha256: createHash('sha256').update(body).digest('hex'), key });
    }
    const manifest = { version: 1, session: lineage, seq: 3, createdAt: new Date().toISOString(), sourceInstance: 'i-0', reason: 'notice', step: 9, files };
    await s3.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: manifestKey('copy', lineage, 3), Body: JSON.stringify(manifest) }));
    const source = s3ObjectSource(S3_BUCKET, { region: REGION });
    const sink = blobObjectSink(blob, container);
    assert.equal(sink.url, `${world.sandbox.endpoints.azureBlob}/${container}`, 'the account\'s Blob endpoint as ARM gives it');
    const report = await copyCheckpoint(source, sink, { prefix: 'copy', lineage, seq: 3 }, { concurrency: 2 });
    source.dispose();
    s3.destroy();
    const copied = new Map((await blobsUnder(`copy/${lineage}/`)).map((object) => [object.name, object]));
    for (const file of files) assert.equal(createHash('sha256').update(copied.get(file.key)?.body ?? '').digest('hex'), file.sha256, `${file.key} arrived byte for byte`);
    assert.equal(JSON.parse(copied.get(manifestKey('copy', lineage, 3))!.body.toString('utf8')).step, 9);
    assert.equal(report.objects, 5);
    assert.equal(report.bytes, [...copied.values()].reduce((sum, object) => sum + object.size, 0));
    for (const name of copied.keys()) await blob.deleteBlob(container, name);
  });

  it('a landing that cannot be made stops with its next step and leaves nothing: no such storage account; a role grant the caller may not make (rolled back)', async () => {
    const landing = azureLanding({ clients: async () => azure, agentSource: async () => fs.promises.readFile(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8'), keyDirectory: world.rig.keyDirectory, owner: TEST_OWNER_ID, callerIp: async () => '127.0.0.1', logger: silentLogger });
    const target = { cloud: 'azure' as const, regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], bucket, image: AZURE_DEFAULT_IMAGE, sshUser: 'ubuntu' };
    await assert.rejects(landing.sink({ ...target, bucket: 'nosuchaccount/runs' }).put('x/manifest.json', Buffer.from('{}')), (error: SpotboxError) =>
      /storage account "nosuchaccount".*is not in the Azure subscription/.test(error.message) && /az storage account create --name nosuchaccount/.test(error.nextStep ?? ''));

    const lineage = `xdeny-${Date.now().toString(36)}`;
    const there = profileOnOtherCloud({ ...fleetTrainerProfile('xdeny', CROSS_CLOUD_TRAINER), otherClouds: [target] }, target);
    world.sandbox.azure.arm.roleAssignments.denyGrants = true;
    try {
      await assert.rejects(landing.launch({ lineage } as LineageRecord, there, new AbortController().signal), (error: SpotboxError) =>
        error.message.startsWith(`Azure refused to let the box write checkpoints to ${world.sandbox.endpoints.azureStorageAccount}: granting a role needs Owner or User Access Administrator`) && /User Access Administrator/.test(error.nextStep ?? ''));
    } finally {
      world.sandbox.azure.arm.roleAssignments.denyGrants = false;
    }
    assert.deepEqual(world.sandbox.azure.arm.vms.snapshot(), [], 'no VM left');
    assert.deepEqual(world.sandbox.azure.arm.scaleSets.snapshot(), [], 'no scale set left');
    const azureScan = await findOrphans(azureHygieneCloud(async () => azure, world.rig.keyDirectory), { regions: [AZURE_SWEEP_SCOPE], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.deepEqual(azureScan.orphans.map((orphan) => `${orphan.kind} ${orphan.id}`), [], 'no resource group left');
    assert.deepEqual((fs.existsSync(world.rig.keyDirectory) ? fs.readdirSync(world.rig.keyDirectory) : []).filter((name) => name.startsWith('spotbox-xdeny')), [], 'no key left');
    assert.deepEqual(await blob.listBlobs(container, `${there.checkpoint!.prefix}/${lineage}/`), [], 'the agent\'s files went from the container too');
  });

  it('moves to Azure (Google Cloud, named first, not connected: skipped): checkpoint copied to Blob storage, a scale set of one restores the same lineage at boot, 0 steps lost; the AWS lineage ended; nothing left on either cloud after Terminate', async () => {
    const started = Date.now();
    const agentSource = async (): Promise<string> => fs.promises.readFile(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8');
    // As the editor's Google Cloud clients answer before Choose GCP Project (boxesFeature.ts).
    const gcpNotConnected = async (): Promise<never> => Promise.reject(new SpotboxError('Google Cloud is not connected to Spotbox.', 'Run Spotbox: Choose GCP Project and pick a gcloud configuration.'));
    const moved = await moveAtNotice(world.rig, world.sandbox, 'xazure', { cloud: 'azure', regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], bucket, image: AZURE_DEFAULT_IMAGE, sshUser: 'ubuntu' }, {
      gcp: { clients: gcpNotConnected, agentSource, keyDirectory: world.rig.keyDirectory },
      azure: { clients: async () => azure, agentSource, keyDirectory: world.rig.keyDirectory },
    }, world.tails, [{ cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], bucket: 'not-reached', image: 'projects/deeplearning-platform-release/global/images/family/common-cu121', sshUser: 'ubuntu' }]);
    const { record, run, move, stepReached } = moved;
    assert.equal(move.to.region, 'eastus');
    assert.match(move.skipped![0].reason, /Google Cloud is not connected to Spotbox\. Run Spotbox: Choose GCP Project/);
    assert.equal(move.copy.toCloud, 'azure');

    // The copy: exactly the blobs of that checkpoint (and the lineage's notes) in the container, and its figures.
    const prefix = record.checkpoint!.prefix;
    const copied = (await blobsUnder(sessionFolder(prefix, record.lineage))).filter((object) => object.name.startsWith(seqFolder(prefix, record.lineage, move.copy.seq)) || /\/(session|handoff)\.json$/.test(object.name));
    assertCopyFigures(move.copy, copied);

    // The box on Azure: a scale set's instance of this lineage, whose identity may write to the checkpoint account only.
    const azureBox = (await new AzureBoxSource(async () => azure, azure.subscriptionId).listBoxes()).find((box) => box.instanceId.endsWith(`/${move.to.instance}`));
    assert.ok(azureBox, `${move.to.instance} is listed on Azure`);
    assert.equal(azureBox.lineage, record.lineage, 'the same lineage continues on Azure');
    assert.equal(world.sandbox.azure.arm.scaleSets.snapshot().length, 1, 'kept by a scale set of one');
    assert.equal(world.sandbox.azure.arm.roleAssignments.saved().length, 1, 'one role assignment: Storage Blob Data Contributor on the account');

    // The trainer resumed on Azure at the exact step it saved at on AWS (its log, on that box).
    const client = await connectEndpoint(await resolveAzureEndpoint(azure, azureBox, { keyDirectory: world.rig.keyDirectory, defaultUser: 'ubuntu' }), { retries: 8 });
    const log = await eventually('the trainer to resume on Azure', async () => {
      const text = (await runRemoteCommand(client, 'cat ~/trainer.log 2>/dev/null || true')).stdout;
      return /resumed at step \d+/.test(text) ? text : undefined;
    }, 30_000, 500).finally(() => client.end());
    assert.match(log, new RegExp(`resumed at step ${stepReached}\\b`), '0 steps lost');
    const summary = timelineSummary(run);
    assert.match(summary, new RegExp(`^Moved to Azure \\(eastus, Standard_NC4as_T4_v3\\): AWS had no Spot capacity in us-east-1\\. Tried Google Cloud first \\(Google Cloud is not connected to Spotbox\\. Run Spotbox: Choose GCP Project and pick a gcloud configuration\\.\\)\\. Copied \\d+\\.\\d (kB|MB) in \\d+\\.\\d s \\(\\d+\\.\\d MB/s, egress ≈ \\$[0-9.]+\\)\\. Resumed at step ${stepReached}, 0 steps lost\\.`));

    await assertAwsLineageEnded(world.rig, record);

    // Terminate Box on Azure; then neither cloud holds anything of this owner.
    await terminateAzureBox(azure, azureBox, { ownerId: TEST_OWNER_ID, keyDirectory: world.rig.keyDirectory });
    assert.deepEqual(world.sandbox.azure.arm.vms.snapshot(), [], 'no VM left');
    assert.deepEqual(world.sandbox.azure.arm.scaleSets.snapshot(), [], 'no scale set left');
    assert.deepEqual(world.sandbox.azure.arm.roleAssignments.saved(), [], 'the role assignment went with the box');
    const azureScan = await findOrphans(azureHygieneCloud(async () => azure, world.rig.keyDirectory), { regions: [AZURE_SWEEP_SCOPE], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.deepEqual([...azureScan.orphans.map((orphan) => `${orphan.kind} ${orphan.id}`), ...(await awsOrphans(world.rig))], []);
    for (const { name } of await blobsUnder(`${prefix}/`)) await blob.deleteBlob(container, name);
    await moved.coordinator.releasesSettled();
    console.log(`      ${summary} (${moveFigures(moved)}; scenario ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  });
});
