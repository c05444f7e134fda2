/**
 * Issue 14's cross-cloud scenario, over the wire: a real PyTorch trainer (examples/pytorch-loop,
 * saves on SIGTERM) on an AWS fleet lineage whose profile names Google Cloud in otherClouds. EC2 has
 * no Spot capacity for any of its pools; a Spot notice arrives; the window raises the fleet, EC2
 * answers InsufficientInstanceCapacity, and the session moves: the notice checkpoint is copied from
 * S3 to Cloud Storage, a GCE group of one comes up with the same lineage and restores it at boot,
 * and the trainer resumes at the exact step it saved at. The AWS lineage ends (fleet, box, launch
 * resources); Terminate Box on Google Cloud then leaves nothing on either cloud.
 */
import * as assert from 'node:assert/strict';
import { DescribeFleetsCommand } from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { manifestKey, sessionFolder, seqFolder } from '../../../src/core/checkpoint/checkpointLayout';
import { createS3Client } from '../../../src/core/checkpoint/s3Client';
import { copyCheckpoint } from '../../../src/core/crossCloud/checkpointCopy';
import { gcsObjectSink } from '../../../src/core/crossCloud/gcsObjectSink';
import { s3ObjectSource } from '../../../src/core/crossCloud/s3ObjectSource';
import { EGRESS_USD_PER_GB } from '../../../src/core/pricing/egressPrices';
import { createGcpClients, type GcpClients } from '../../../src/core/gcp/gcpClients';
import { GceBoxSource } from '../../../src/core/gcp/gceBoxSource';
import { resolveGceEndpoint } from '../../../src/core/gcp/gceEndpoint';
import { terminateGceBox } from '../../../src/core/gcp/gceTerminate';
import { ec2HygieneCloud } from '../../../src/core/hygiene/ec2HygieneCloud';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { GCE_SWEEP_SCOPE, gceHygieneCloud } from '../../../src/core/hygiene/gceHygieneCloud';
import type { JournalTail } from '../../../src/core/recovery/journalTail';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import { timelineSummary } from '../../../src/core/recovery/timelineText';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { assembleAgentForTests } from '../../assembledAgent';
import { eventually, startTestSandbox, stopTestSandbox, tempDir, TEST_OWNER_ID } from '../e2e/sandboxHarness';
import { BOX_WORKSPACE, fleetTrainerProfile, RecoveryRig, REGION, requireTorch, WORKSPACES } from './recoveryHarness';

const TRAINER = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;
const GCS_BUCKET = 'spotbox-sandbox';

describe('Across clouds: AWS out of Spot capacity at a notice, the session resumes on Google Cloud with its checkpoint copied (issue 14)', function () {
  this.timeout(300_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let rig: RecoveryRig;
  let gcp: GcpClients;
  const tails: JournalTail[] = [];

  before(async () => {
    requireTorch();
    directory = tempDir('spotbox-cross-cloud-');
    sandbox = await startTestSandbox(directory);
    rig = new RecoveryRig(directory);
    gcp = await createGcpClients({ configuration: 'spotbox-sandbox' });
  });

  after(async () => {
    tails.splice(0).forEach((tail) => tail.stop());
    await rig?.releaseAll().catch(() => undefined);
    rig?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  it('copies a committed checkpoint over the wire, S3 -> Cloud Storage, byte for byte, the manifest last', async () => {
    const s3 = await createS3Client({ region: REGION });
    const lineage = `copy-${Date.now().toString(36)}`;
    const folder = seqFolder('copy', lineage, 3);
    const files = [];
    for (const [index, size] of [5_000_000, 1, 0, 700_000].entries()) {
      const body = randomBytes(size);
      const key = `${folder}workspace/dir/file-${index}.bin`;
      await s3.send(new PutObjectCommand({ Bucket: GCS_BUCKET, Key: key, Body: body }));
      files.push({ path: `dir/file-${index}.bin`, area: 'workspace', size, sha256: createHash('sha256').update(body).digest('hex'), key, md5: createHash('md5').update(body).digest('base64') });
    }
    const manifest = { version: 1, session: lineage, seq: 3, createdAt: new Date().toISOString(), sourceInstance: 'i-0', reason: 'notice', step: 9, files: files.map(({ md5: _md5, ...file }) => file) };
    await s3.send(new PutObjectCommand({ Bucket: GCS_BUCKET, Key: manifestKey('copy', lineage, 3), Body: JSON.stringify(manifest) }));
    const source = s3ObjectSource(GCS_BUCKET, { region: REGION });
    const progress: number[] = [];
    const report = await copyCheckpoint(source, gcsObjectSink(gcp.gcs, GCS_BUCKET), { prefix: 'copy', lineage, seq: 3 }, { concurrency: 2, onProgress: (seen) => progress.push(seen.bytesDone) });
    source.dispose();
    s3.destroy();
    const listed = new Map((await gcp.gcs.list(GCS_BUCKET, sessionFolder('copy', lineage))).objects.map((object) => [object.name, object]));
    for (const file of files) assert.equal(listed.get(file.key)?.md5Hash, file.md5, `${file.key} arrived byte for byte`);
    assert.equal(JSON.parse((await gcp.gcs.readText(GCS_BUCKET, manifestKey('copy', lineage, 3)))!).step, 9);
    const manifestObject = listed.get(manifestKey('copy', lineage, 3))!;
    assert.ok(files.every((file) => Date.parse(listed.get(file.key)!.updated!) <= Date.parse(manifestObject.updated!)), 'the manifest was written last');
    assert.equal(report.objects, 5);
    assert.equal(report.bytes, 5_700_001 + Number(manifestObject.size));
    assert.equal(progress.at(-1), report.bytes);
    await gcp.gcs.deletePrefix(GCS_BUCKET, sessionFolder('copy', lineage));
  });

  it('moves to Google Cloud: checkpoint copied, same lineage restored at boot, 0 steps lost; the AWS lineage ended; nothing left on either cloud after Terminate', async () => {
    const started = Date.now();
    const profile = { ...fleetTrainerProfile('xcloud', TRAINER), otherClouds: [{ cloud: 'gcp' as const, regions: ['us-central1'], instanceTypes: ['g2-standard-4'], bucket: GCS_BUCKET, image: 'projects/deeplearning-platform-release/global/images/family/pytorch-latest-gpu', sshUser: 'ubuntu' }], moveAcrossClouds: { whenNoCapacity: true } };
    const record = await rig.launch(profile, { workspace: WORKSPACES.pytorchLoop });
    assert.ok(record.fleetId && record.crossCloud, 'a fleet lineage that may move');
    const oldBox = (await rig.box(record.currentInstanceId))!;
    await rig.trainerPast(oldBox, 100);

    // EC2 has no Spot capacity for any pool of the profile from now on.
    for (const instanceType of profile.instanceTypes ?? []) sandbox!.ec2.failCapacity({ region: REGION, instanceType, count: 0 });
    const coordinator = rig.coordinator('window-1', {}, {
      deps: {
        gcp: { clients: async () => gcp, agentSource: async () => fs.promises.readFile(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8'), keyDirectory: rig.keyDirectory },
        callerCidr: async () => '127.0.0.1/32',
        noCapacityAfterMs: 3_000,
      },
    });
    let recovering: Promise<LineageRecord | undefined> | undefined;
    const { tail } = rig.follow(oldBox, { recover: (facts) => (recovering ??= coordinator.recover('notice', facts)) });
    tails.push(tail);
    const steps = rig.watchSteps(oldBox);
    sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 40 });
    const finished = (await eventually('the recovery to start', async () => recovering, 30_000, 100));
    steps.stop();
    const run = finished.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    const move = run.move!;
    const stepReached = steps.last();

    // Where from, where to, and why: EC2's own words.
    assert.deepEqual(move.from, { cloud: 'aws', region: REGION, instanceId: oldBox.instanceId });
    assert.ok(move.reason === 'no-capacity', `it moved for want of capacity: ${move.reason}`);
    assert.ok(move.capacityErrors.length > 0 && move.capacityErrors.every((line) => line.includes('InsufficientInstanceCapacity')), move.capacityErrors.join('; '));
    assert.equal(move.to?.cloud, 'gcp');
    assert.match(move.to.zone, /^us-central1-[a-z]$/);
    assert.equal(move.to.machineType, 'g2-standard-4');
    assert.ok(finished.ended, 'the AWS lineage ended');
    assert.deepEqual(finished.movedTo, move.to);

    // The copy: exactly the objects in Cloud Storage for that checkpoint, and its figures.
    const copy = move.copy!;
    assert.equal(String(copy.seq), run.checkpointSeq);
    const prefix = record.checkpoint!.prefix;
    const copied = (await gcp.gcs.list(GCS_BUCKET, sessionFolder(prefix, record.lineage))).objects.filter((object) => object.name.startsWith(seqFolder(prefix, record.lineage, copy.seq)) || /\/(session|handoff)\.json$/.test(object.name));
    assert.ok(copied.some((object) => object.name.endsWith('/handoff.json')), 'the predecessor\'s handoff went with it');
    assert.equal(copy.objects, copied.length);
    assert.equal(copy.bytes, copied.reduce((sum, object) => sum + Number(object.size), 0));
    assert.ok(copy.seconds > 0 && Math.abs(copy.mbPerSecond - copy.bytes / 1e6 / copy.seconds) < 1e-9);
    assert.ok(Math.abs(copy.egressUsd - (copy.bytes / 1e9) * EGRESS_USD_PER_GB.aws) < 1e-12);

    // The trainer resumed on Google Cloud at the exact step it saved at on AWS.
    assert.equal(run.checkpointStep, stepReached, 'the notice checkpoint holds the last step');
    assert.equal(run.resumedStep, stepReached);
    const gceBox = (await new GceBoxSource(async () => gcp.compute, gcp.project).listBoxes()).find((box) => box.instanceId === move.to!.instance);
    assert.ok(gceBox, `${move.to.instance} is listed on Google Cloud`);
    const client = await connectEndpoint(await resolveGceEndpoint(gcp.compute, gceBox, { keyDirectory: rig.keyDirectory, defaultUser: 'ubuntu' }), { retries: 8 });
    const log = await eventually('the trainer to resume on Google Cloud', async () => {
      const text = (await runRemoteCommand(client, 'cat ~/trainer.log 2>/dev/null || true')).stdout;
      return /resumed at step \d+/.test(text) ? text : undefined;
    }, 30_000, 500).finally(() => client.end());
    assert.match(log, new RegExp(`resumed at step ${stepReached}\\b`), '0 steps lost');
    const summary = timelineSummary(run);
    assert.match(summary, new RegExp(`^Moved to Google Cloud \\(${move.to.zone}, g2-standard-4\\): AWS had no Spot capacity in us-east-1\\. Copied \\d+\\.\\d (kB|MB) in \\d+\\.\\d s \\(\\d+\\.\\d MB/s, egress ≈ \\$[0-9.]+\\)\\. Resumed at step ${stepReached}, 0 steps lost\\.`));

    // AWS started no second copy: its fleet is deleted and nothing of the lineage runs there.
    const fleet = (await rig.ec2.send(new DescribeFleetsCommand({ FleetIds: [record.fleetId] }))).Fleets?.[0];
    assert.match(fleet?.FleetState ?? 'deleted', /^deleted/);
    const live = (await rig.allInstances()).filter((instance) => instance.lineage === record.lineage && !['terminated', 'shutting-down'].includes(instance.state));
    assert.deepEqual(live, []);

    // Terminate Box on Google Cloud; then neither cloud holds anything of this owner.
    await terminateGceBox(gcp.compute, gceBox, { ownerId: TEST_OWNER_ID, keyDirectory: rig.keyDirectory });
    const gceScan = await findOrphans(gceHygieneCloud(async () => gcp.compute, rig.keyDirectory), { regions: [GCE_SWEEP_SCOPE], ownerId: TEST_OWNER_ID, graceMs: 0 });
    const awsScan = await findOrphans(ec2HygieneCloud(rig.clients), { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.deepEqual([...gceScan.orphans, ...awsScan.orphans].map((orphan) => `${orphan.kind} ${orphan.id}`), []);
    await gcp.gcs.deletePrefix(GCS_BUCKET, sessionFolder(prefix, record.lineage));
    await coordinator.releasesSettled();
    console.log(`      ${summary} (scenario ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  });
});
