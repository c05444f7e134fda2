/**
 * Issue 14's cross-cloud scenario onto Google Cloud (crossCloudScenario.ts up to the resume), over the wire: a real PyTorch trainer (examples/pytorch-loop,
 * saves on SIGTERM) on an AWS fleet lineage whose profile names Google Cloud in otherClouds. EC2 has
 * no Spot capacity for any of its pools; a Spot notice arrives; the window raises the fleet, EC2
 * answers InsufficientInstanceCapacity, and the session moves: the notice checkpoint is copied from
 * S3 to Cloud Storage, a GCE group of one comes up with the same lineage and restores it at boot,
 * and the trainer resumes at the exact step it saved at. The AWS lineage ends (fleet, box, launch
 * resources); Terminate Box on Google Cloud then leaves nothing on either cloud.
 */
import * as assert from 'node:assert/strict';
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
import { createGcpClients, type GcpClients } from '../../../src/core/gcp/gcpClients';
import { GceBoxSource } from '../../../src/core/gcp/gceBoxSource';
import { resolveGceEndpoint } from '../../../src/core/gcp/gceEndpoint';
import { terminateGceBox } from '../../../src/core/gcp/gceTerminate';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { GCE_SWEEP_SCOPE, gceHygieneCloud } from '../../../src/core/hygiene/gceHygieneCloud';
import { timelineSummary } from '../../../src/core/recovery/timelineText';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { assembleAgentForTests } from '../../assembledAgent';
import { eventually, TEST_OWNER_ID } from '../e2e/sandboxHarness';
import { assertAwsLineageEnded, assertCopyFigures, awsOrphans, moveAtNotice, moveFigures, useCrossCloudWorld } from './crossCloudScenario';
import { REGION } from './recoveryHarness';

const GCS_BUCKET = 'spotbox-sandbox';

describe('Across clouds: AWS out of Spot capacity at a notice, the session resumes on Google Cloud with its checkpoint copied (issue 14)', function () {
  this.timeout(300_000);
  const world = useCrossCloudWorld('spotbox-cross-cloud-');
  let gcp: GcpClients;

  before(async () => {
    gcp = await createGcpClients({ configuration: 'spotbox-sandbox' });
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
    const moved = await moveAtNotice(world.rig, world.sandbox, 'xcloud', { cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], bucket: GCS_BUCKET, image: 'projects/deeplearning-platform-release/global/images/family/pytorch-latest-gpu', sshUser: 'ubuntu' }, {
      gcp: { clients: async () => gcp, agentSource: async () => fs.promises.readFile(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8'), keyDirectory: world.rig.keyDirectory },
    }, world.tails);
    const { record, run, move, stepReached } = moved;
    assert.match(move.to.zone, /^us-central1-[a-z]$/);

    // The copy: exactly the objects in Cloud Storage for that checkpoint, and its figures.
    const copy = move.copy;
    const prefix = record.checkpoint!.prefix;
    const copied = (await gcp.gcs.list(GCS_BUCKET, sessionFolder(prefix, record.lineage))).objects.filter((object) => object.name.startsWith(seqFolder(prefix, record.lineage, copy.seq)) || /\/(session|handoff)\.json$/.test(object.name));
    assertCopyFigures(copy, copied.map((object) => ({ name: object.name, size: Number(object.size) })));

    // The trainer resumed on Google Cloud at the exact step it saved at on AWS (its log, on that box).
    const gceBox = (await new GceBoxSource(async () => gcp.compute, gcp.project).listBoxes()).find((box) => box.instanceId === move.to.instance);
    assert.ok(gceBox, `${move.to.instance} is listed on Google Cloud`);
    const client = await connectEndpoint(await resolveGceEndpoint(gcp.compute, gceBox, { keyDirectory: world.rig.keyDirectory, defaultUser: 'ubuntu' }), { retries: 8 });
    const log = await eventually('the trainer to resume on Google Cloud', async () => {
      const text = (await runRemoteCommand(client, 'cat ~/trainer.log 2>/dev/null || true')).stdout;
      return /resumed at step \d+/.test(text) ? text : undefined;
    }, 30_000, 500).finally(() => client.end());
    assert.match(log, new RegExp(`resumed at step ${stepReached}\\b`), '0 steps lost');
    const summary = timelineSummary(run);
    assert.match(summary, new RegExp(`^Moved to Google Cloud \\(${move.to.zone}, g2-standard-4\\): AWS had no Spot capacity in us-east-1\\. Copied \\d+\\.\\d (kB|MB) in \\d+\\.\\d s \\(\\d+\\.\\d MB/s, egress ≈ \\$[0-9.]+\\)\\. Resumed at step ${stepReached}, 0 steps lost\\.`));

    await assertAwsLineageEnded(world.rig, record);

    // Terminate Box on Google Cloud; then neither cloud holds anything of this owner.
    await terminateGceBox(gcp.compute, gceBox, { ownerId: TEST_OWNER_ID, keyDirectory: world.rig.keyDirectory });
    const gceScan = await findOrphans(gceHygieneCloud(async () => gcp.compute, world.rig.keyDirectory), { regions: [GCE_SWEEP_SCOPE], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.deepEqual([...gceScan.orphans.map((orphan) => `${orphan.kind} ${orphan.id}`), ...(await awsOrphans(world.rig))], []);
    await gcp.gcs.deletePrefix(GCS_BUCKET, sessionFolder(prefix, record.lineage));
    await moved.coordinator.releasesSettled();
    console.log(`      ${summary} (${moveFigures(moved)}; scenario ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  });
});
