/**
 * Issue 14's promise on Azure, over the wire and as the editor runs it (a separate Node process with
 * the sandbox's environment): a box kept by a Spot scale set of one with Try & Restore. A real
 * PyTorch trainer that saves on SIGTERM is evicted; the agent checkpoints to Blob storage inside
 * Azure's 30 s and only then acknowledges the Preempt event; Azure restores the instance with no
 * editor running; the new instance restores the checkpoint and restarts the session; the trainer
 * resumes at the exact step. Then Terminate Box leaves nothing behind, the role assignment included.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import type { Box } from '../../../src/core/boxes/box';
import { manifestKey } from '../../../src/core/checkpoint/checkpointLayout';
import type { RecoveryRun } from '../../../src/core/recovery/recoveryTypes';
import { sshExec } from '../e2e/sshExec';
import { BOX_WORKSPACE, requireTorch, WORKSPACES } from '../recovery/recoveryHarness';
import type { AzureEviction } from './azureScaleSetWatch';
import { eventually, runAzureClient, startAzureTestSandbox, stopTestSandbox, tempDir, type AzureTestContext } from './azureHarness';

const OWNER = 'owner-azure-resume';
const PREFIX = 'azure-resume';

interface Launched {
  readonly lineage?: string;
  readonly scaleSet?: string;
  readonly launched: { name: string; resourceGroup: string; privateKeyPath: string };
  readonly box: Box;
  readonly endpoint: BoxEndpoint;
}

describe('Azure: a box kept by a Spot scale set of one — eviction, checkpoint, acknowledgement, restore, resume, terminate (issue 14)', function () {
  this.timeout(420_000);
  let directory: string;
  let context: AzureTestContext;
  let keyDirectory: string;
  before(async () => {
    directory = tempDir('spotbox-azure-resume-');
    // The box's login user reads the sandbox's CA bundle under it (a real VM trusts Azure's public CAs).
    fs.chmodSync(directory, 0o711);
    // Azure documents no figure for Try & Restore; the test asks for a prompt one.
    context = await startAzureTestSandbox(directory);
    context.sandbox.azure.arm.scaleSets.restoreDelayMs = 2_000;
    keyDirectory = fs.mkdtempSync(path.join(directory, 'keys-'));
  });
  after(async () => {
    await stopTestSandbox(context?.sandbox, directory);
  });
  const client = <T>(...args: string[]): Promise<T & { error?: string }> => runAzureClient<T>(context, args, 400_000);

  it('evicted: the notice checkpoint lands and is acknowledged within 30 s, Azure restores the instance with no editor, and the trainer resumes at the exact step', async () => {
    requireTorch();
    const { azureStorageAccount: account, azureContainer: container, azureBlob: blobEndpoint, control } = context.sandbox.endpoints as unknown as Record<string, string>;
    const profile = JSON.stringify({
      name: 'az-resume',
      cloud: 'azure',
      regions: ['eastus'],
      instanceTypes: ['Standard_NC4as_T4_v3'],
      maxPrice: 2,
      checkpoint: { bucket: `${account}/${container}`, prefix: PREFIX, directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
      session: { command: `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1`, stepFile: '~/step' },
    });
    const result = await client<Launched>('launch', profile, keyDirectory, OWNER, WORKSPACES.pytorchLoop);
    assert.equal(result.error, undefined, result.error);
    assert.ok(result.lineage && result.scaleSet, 'a lineage kept by a scale set');
    assert.equal(result.box.lineage, result.lineage, 'the instance shows its set\'s lineage');
    const roles = context.sandbox.azure.arm.roleAssignments.saved();
    assert.equal(roles.length, 1, 'one role assignment: the box may write to the checkpoint account');
    assert.match(JSON.stringify(roles[0]), /ba92f5b4-2d11-453d-a403-e96b0029c9fe/, 'Storage Blob Data Contributor');

    const { endpoint } = result;
    const target = { host: endpoint.host, port: endpoint.port, username: endpoint.user, privateKey: fs.readFileSync(endpoint.privateKeyPath, 'utf8'), pinnedFingerprints: endpoint.hostKeys.map((key) => key.fingerprint) };
    await eventually('the trainer to pass step 100', async () => Number((await sshExec(target, 'cat ~/step 2>/dev/null || echo 0')).stdout.trim()) >= 100 || undefined, 120_000, 500);

    // Checkpoint Now, as the command asks the box's agent: committed to Blob storage, its manifest listed there.
    const manual = await client<{ committed?: Record<string, unknown>; blobs?: string[] }>('checkpoint-now', JSON.stringify(result.box), keyDirectory, blobEndpoint, container, `${PREFIX}/${result.lineage}/`);
    assert.equal(manual.error, undefined, manual.error);
    assert.equal(typeof manual.committed?.seq, 'number', JSON.stringify(manual.committed));
    assert.ok(manual.blobs?.includes(manifestKey(PREFIX, result.lineage, Number(manual.committed?.seq))), `the manual checkpoint's manifest is in Blob storage: ${(manual.blobs ?? []).filter((name) => name.endsWith('manifest.json')).join(', ')}`);

    // From the eviction on no editor acts: only Azure (the scale set) and the boxes.
    const since = new Date().toISOString();
    const seen = await client<AzureEviction>('evict-and-watch', JSON.stringify(result.box), keyDirectory, control, blobEndpoint, container, `${PREFIX}/${result.lineage}/`);
    assert.equal(seen.error, undefined, seen.error);
    assert.ok(seen.checkpointAt - seen.evictedAt < 30_000, `the checkpoint was complete ${seen.checkpointAt - seen.evictedAt} ms after the eviction notice, inside Azure's 30 s`);
    const acknowledged = context.sandbox.events.events({ kind: 'azure-eviction-acknowledged', since });
    assert.equal(acknowledged.length, 1, 'the agent acknowledged the Preempt event');
    assert.ok(Date.parse(acknowledged[0].time) >= seen.evictedAt && Date.parse(acknowledged[0].time) - seen.evictedAt < 30_000, 'before NotBefore');
    assert.ok(seen.committedAt && seen.acknowledgedAt && seen.committedAt <= seen.acknowledgedAt, `checkpoint first, then the acknowledgement (the evicted box's journal: committed ${seen.committedAt}, acknowledged ${seen.acknowledgedAt})`);
    assert.ok(seen.stoppedAt >= 100, 'the trainer saved on SIGTERM and stopped');
    assert.equal(seen.checkpointStep, seen.stoppedAt, 'the checkpoint holds the step the trainer stopped at');
    assert.notEqual(seen.replacement.instanceId, result.box.instanceId, 'a new instance');
    assert.equal(seen.replacement.lineage, result.lineage);
    assert.equal(seen.boot.phase, 'resumed', JSON.stringify(seen.boot));
    assert.equal(seen.resumedStep, seen.stoppedAt, '0 steps lost: resumed at the step the evicted instance saved');
    console.log(`      Azure eviction notice -> checkpoint ${((seen.checkpointAt - seen.evictedAt) / 1000).toFixed(1)} s, acknowledged ${((Date.parse(acknowledged[0].time) - seen.evictedAt) / 1000).toFixed(1)} s, new instance running ${((seen.replacementRunningAt - seen.evictedAt) / 1000).toFixed(1)} s, resumed ${((seen.boot.resumedAt! - seen.evictedAt) / 1000).toFixed(1)} s`);

    // A window opened after all this (the laptop was closed) reads the new box's journal and shows what happened.
    const later = await client<{ recorded?: { recovery?: RecoveryRun }; summary?: string; lost?: number }>('recall-as-a-later-window', JSON.stringify(seen.replacement), keyDirectory, fs.mkdtempSync(path.join(directory, 'lineages-')));
    assert.equal(later.error, undefined, later.error);
    const recalled = later.recorded?.recovery;
    assert.ok(recalled, 'the later window recorded the recovery');
    assert.equal(recalled.unwatched, true);
    // The handoff names the evicted VM by its vmId (IMDS's compute.vmId), as ARM created it.
    const evictedVmId = context.sandbox.events.events({ kind: 'azure-vm-created' }).find((created) => created.details.vm === result.box.instanceId.split('/').pop())?.details.vmId;
    assert.ok(evictedVmId, 'ARM recorded the evicted VM');
    assert.equal(recalled.interruptedInstanceId, evictedVmId, 'the evicted instance, as its handoff named it');
    // The agent's own time for the notice (it polls Scheduled Events every second), as its journal has it live.
    const noticeAfter = recalled.timeline.notice! - seen.evictedAt;
    assert.ok(noticeAfter >= 0 && noticeAfter < 5_000, `the notice time from the handoff is the agent's, ${noticeAfter} ms after the eviction was scheduled`);
    assert.ok(recalled.timeline.checkpointCommitted !== undefined && recalled.timeline.checkpointCommitted <= seen.checkpointAt, 'checkpoint committed, from the manifest in Blob storage');
    assert.equal(recalled.resumedStep, seen.stoppedAt);
    assert.equal(later.lost, 0, '0 steps lost');
    assert.match(later.summary ?? '', /^Before this window looked, the cloud replaced the box and it restored itself: interruption notice → checkpoint committed .* → resumed [\d.]+ s\. Restored from checkpoint \d+ \(step \d+\); 0 steps lost\.$/);
    console.log(`      a later window: ${later.summary}`);

    const listed = await client<{ boxes: Box[] }>('list');
    assert.deepEqual(listed.boxes.map((box) => box.instanceId), [seen.replacement.instanceId], 'one box in the tree: the restored instance');
    // The set's instance carries no tags: the sweep must read its set's, and leave a live box's group alone.
    const live = await client<{ found: string[] }>('sweep', keyDirectory, OWNER);
    assert.deepEqual(live.found, [], 'the sweep leaves a live scale set box alone');
    const terminated = await client<{ terminated: boolean }>('terminate', JSON.stringify(seen.replacement), keyDirectory, OWNER);
    assert.equal(terminated.error, undefined, terminated.error);
    assert.deepEqual(context.sandbox.azure.arm.vms.snapshot(), [], 'no VM left');
    assert.deepEqual(context.sandbox.azure.arm.roleAssignments.saved(), [], 'the role assignment went with the box');
    assert.deepEqual(context.sandbox.azure.arm.scaleSets.snapshot(), [], 'no scale set left');
    assert.equal(fs.existsSync(result.launched.privateKeyPath), false, 'and the private key');
    const swept = await client<{ found: string[] }>('sweep', keyDirectory, OWNER);
    assert.deepEqual(swept.found, [], 'the sweep finds nothing left');
  });
});
