import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { connectEndpoint } from '../../src/core/attach/connectEndpoint';
import { Ec2ClientPool } from '../../src/core/aws/ec2ClientPool';
import type { Box } from '../../src/core/boxes/box';
import { sessionFolder } from '../../src/core/checkpoint/checkpointLayout';
import { createGcpClients } from '../../src/core/gcp/gcpClients';
import { resolveGceEndpoint } from '../../src/core/gcp/gceEndpoint';
import { terminateGceBox } from '../../src/core/gcp/gceTerminate';
import { ec2HygieneCloud } from '../../src/core/hygiene/ec2HygieneCloud';
import { GCE_SWEEP_SCOPE, gceHygieneCloud } from '../../src/core/hygiene/gceHygieneCloud';
import { findOrphansInClouds } from '../../src/core/hygiene/sweepClouds';
import type { LineageRecord } from '../../src/core/recovery/recoveryTypes';
import { runRemoteCommand } from '../../src/core/ssh/runRemoteCommand';
import { activeApi, answerNextModal, endLineageLeftBehind, eventually, leaveSandboxLaunches, nextCommandRun, sandboxControl, shell, startCommand, useSandboxForLaunches } from './extensionHarness';
import { preflightRow } from './launchThroughCommand';
import { expectUi, pickQuickPickRow, probeUi, QUICK_PICK_ROWS, requireUiProbe, runFromPalette, visibleRows } from './uiProbe';

const REGION = 'us-east-1';
const INSTANCE_TYPES = ['g5.xlarge', 'g4dn.xlarge'];
const GCP_CONFIGURATION = 'spotbox-sandbox';
/** The sandbox's Cloud Storage bucket (the same name as its S3 bucket). */
const GCS_BUCKET = 'spotbox-sandbox';
const NAME = 'e2e-xcloud';
const PREFIX = 'vscode-xcloud';
const TREE_ROWS = '.sidebar .monaco-list-row';
const TOASTS = '.notifications-toasts .notification-toast';
const CONTEXT_MENU_ITEMS = '.context-view .action-item .action-label';
/** The README's plain PyTorch recipe, copied into the window's workspace as 9-recovery does (see there why). */
const RECIPE = path.resolve(__dirname, '../../../examples/pytorch-loop/train.py');
const WORKSPACE_TRAINER = path.resolve(__dirname, '../../../test/fixtures/workspace/train.py');

const PROFILE = {
  name: NAME,
  regions: [REGION],
  instanceTypes: INSTANCE_TYPES,
  maxPrice: 3,
  volumeGb: 100,
  workspaceDir: '~/workspace',
  checkpoint: { bucket: 'spotbox-sandbox', prefix: PREFIX, directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
  session: { command: 'python3 ~/workspace/train.py --total-steps 100000 --step-seconds 0.05 >> ~/trainer.log 2>&1', stepFile: '~/step' },
  otherClouds: [{ cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], bucket: GCS_BUCKET }],
  moveAcrossClouds: { whenNoCapacity: true },
};

const running = (name: string): RegExp => new RegExp(`^${name}\\s*\\S+ · \\$[\\d.]+/h · running`);
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * Issue 14's cross-cloud promise as a user sees it: an AWS box whose profile may move to Google
 * Cloud, launched from the palette, runs the real PyTorch recipe; EC2 then has no Spot capacity for
 * any of its pools (the sandbox's fault) and a Spot notice arrives. The window moves the session to
 * Google Cloud; the notification and the recovery timeline (from the Google Cloud box's row) say
 * where it went, why, what the copy took and cost, and the step it resumed at with 0 steps lost.
 * Terminate Box on that row then leaves nothing of it on either cloud.
 */
describe('Across clouds inside VS Code: AWS out of Spot capacity at a notice, the session resumes on Google Cloud and the summary says so (against the sandbox cloud)', function () {
  this.timeout(300_000);
  const sshHome = process.env.SPOTBOX_SSH_HOME ?? '';
  const ssh = (command: string): Promise<string> => shell(`ssh -F ${sshHome}/spotbox/config -o BatchMode=yes -o ConnectTimeout=10 spotbox-${NAME} '${command}'`);
  const keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-cross-cloud-'));
  let first: Box | undefined;
  let record: LineageRecord | undefined;

  before(async () => {
    fs.copyFileSync(RECIPE, WORKSPACE_TRAINER);
    await useSandboxForLaunches([REGION]);
  });

  after(async () => {
    const api = await activeApi();
    await endLineageLeftBehind(REGION, record?.lineage, first?.instanceId);
    const gcp = await createGcpClients({ configuration: GCP_CONFIGURATION }).catch(() => undefined);
    for (const box of (await api.boxStore.refresh().catch(() => [] as readonly Box[])).filter((candidate) => candidate.name === NAME && candidate.cloud === 'gcp')) {
      if (gcp) await terminateGceBox(gcp.compute, box, { ownerId: api.ownerId, keyDirectory: api.keyDirectory }).catch(() => undefined);
    }
    if (gcp && record) await gcp.gcs.deletePrefix(GCS_BUCKET, sessionFolder(PREFIX, record.lineage)).catch(() => undefined);
    // The capacity fault would refuse every later launch of these pools.
    await sandboxControl('/faults/clear', {}).catch(() => undefined);
    await vscode.workspace.getConfiguration('spotbox').update('gcpConfiguration', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('notifications.clearAll');
    await leaveSandboxLaunches();
    await api.boxStore.refresh().catch(() => undefined);
    fs.rmSync(WORKSPACE_TRAINER, { force: true });
    fs.rmSync(keyDirectory, { recursive: true, force: true });
  });

  it("connects Google Cloud from Choose GCP Project (the sandbox's configuration)", async function () {
    requireUiProbe(this, 'answer the Choose QuickPick');
    const choosing = startCommand('spotbox.chooseGcpProject');
    await pickQuickPickRow('cross-cloud-gcp-configuration', new RegExp(`^${GCP_CONFIGURATION}`));
    const run = await choosing;
    assert.equal(run.outcome, 'ok', `spotbox.chooseGcpProject ended ${run.outcome}: ${run.message ?? ''}`);
  });

  it('moves the trainer to Google Cloud when AWS has no Spot capacity at a notice, and the notification and the timeline say where, why, the copy and the step, 0 steps lost', async function () {
    requireUiProbe(this, 'run the palette, answer the pre-flight, read the notification, the timeline and the tree');
    const api = await activeApi();
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, '.spotbox', 'profile.json'), new TextEncoder().encode(JSON.stringify(PROFILE, null, 2)));
    const launched = nextCommandRun(api, 'spotbox.launchBox', 150_000);
    void launched.catch(() => undefined);
    await runFromPalette('Spotbox: Launch a Spot Box');
    await pickQuickPickRow('cross-cloud-preflight', preflightRow(NAME, REGION), { first: true });
    const launch = await launched;
    assert.equal(launch.outcome, 'ok', `spotbox.launchBox ended ${launch.outcome}: ${launch.message ?? ''}`);
    first = await eventually('the AWS box running', async () => (await api.boxStore.refresh()).find((box) => box.name === NAME && box.cloud === 'aws' && box.state === 'running'), 60_000, 1_000);
    record = await api.lineages.findByInstance(first.instanceId);
    assert.ok(record?.fleetId && record.crossCloud, 'the launch recorded a fleet lineage that may move across clouds');
    await eventually('the trainer stepping on AWS', async () => (Number(await ssh('(cut -d" " -f1 ~/step 2>/dev/null || echo 0)')) >= 20 ? true : undefined), 90_000);

    // The sandbox, not the product: EC2 has no Spot capacity for any pool of the profile, then the notice.
    for (const instanceType of INSTANCE_TYPES) await sandboxControl('/faults/capacity', { region: REGION, instanceType, count: 0 });
    await sandboxControl('/faults/interrupt', { instanceId: first.instanceId, leadSeconds: 90 });

    const moved = await eventually('the recovery to finish', async () => {
      const current = await api.lineages.get(record!.lineage);
      return current?.recovery?.phase === 'resumed' || current?.recovery?.phase === 'failed' ? current : undefined;
    }, 200_000, 1_000);
    const run = moved.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    const move = run.move;
    assert.ok(move?.to && move.to.cloud === 'gcp', `the session moved to Google Cloud: ${JSON.stringify(move)}`);
    assert.ok(move.reason === 'no-capacity', `it moved for want of capacity: ${move.reason}`);
    assert.ok(move.capacityErrors.length > 0 && move.capacityErrors.every((line) => line.includes('InsufficientInstanceCapacity')), move.capacityErrors.join('; '));
    assert.ok(moved.ended, 'the AWS lineage ended');
    assert.equal(run.resumedStep, run.checkpointStep);
    assert.ok(move.copy && move.copy.bytes > 0 && move.copy.objects > 0, 'the checkpoint was copied');

    // The trainer itself resumed on Google Cloud at the step it saved at on AWS.
    const gceBox = await eventually('the Google Cloud box in the tree, running', async () => (await api.boxStore.refresh()).find((box) => box.cloud === 'gcp' && box.name === NAME && box.state === 'running'), 60_000, 1_000);
    assert.equal(gceBox.lineage, record.lineage, 'the same lineage on Google Cloud');
    const gcp = await createGcpClients({ configuration: GCP_CONFIGURATION });
    const client = await connectEndpoint(await resolveGceEndpoint(gcp.compute, gceBox, { keyDirectory: api.keyDirectory, defaultUser: 'ubuntu' }), { retries: 8 });
    const log = await eventually('the trainer to resume on Google Cloud', async () => {
      const text = (await runRemoteCommand(client, 'cat ~/trainer.log 2>/dev/null || true')).stdout;
      return /resumed at step \d+/.test(text) ? text : undefined;
    }, 60_000, 1_000).finally(() => client.end());
    assert.match(log, new RegExp(`resumed at step ${run.resumedStep}\\b`));

    // The notification: where, why, the copy's figures and the step, in one legible summary.
    const copyFigures = 'Copied \\d+\\.\\d (kB|MB) in \\d+\\.\\d s \\(\\d+\\.\\d MB/s, egress ≈ \\$[0-9.]+\\)';
    const summary = new RegExp(`Moved to Google Cloud \\(${move.to.zone}, g2-standard-4\\): AWS had no Spot capacity in us-east-1\\. ${copyFigures}\\. Resumed at step ${run.resumedStep}, 0 steps lost\\.`);
    const toasts = await expectUi({ name: 'cross-cloud-notification', queries: { toasts: TOASTS } }, (response) => (response.found.toasts ?? []).some((toast) => toast.text.includes('is back on')), 20);
    const toast = oneLine((toasts.found.toasts ?? []).map((element) => element.text).find((text) => text.includes('is back on')) ?? '');
    // The toast's text also holds its source and button ("Source: Spotbox … Open Terminal").
    assert.match(toast, new RegExp(`${NAME} is back on ${move.to.instance} \\(Google Cloud, g2-standard-4 ${move.to.zone}\\): `), toast);
    assert.match(toast, summary, toast);

    // The tree: the box under Google Cloud and its region, running.
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const tree = await expectUi({ name: 'cross-cloud-tree', queries: { rows: TREE_ROWS } }, (response) => visibleRows(response).some((row) => running(NAME).test(row)), 20);
    const rows = visibleRows(tree);
    const cloudAt = rows.findIndex((row) => /^Google Cloud\s*1 box/.test(row));
    const regionAt = rows.findIndex((row, index) => index > cloudAt && /^us-central1\s*1 box/.test(row));
    const boxAt = rows.findIndex((row, index) => index > regionAt && running(NAME).test(row));
    assert.ok(cloudAt >= 0 && cloudAt < regionAt && regionAt < boxAt, `the box runs under Google Cloud, us-central1: ${rows.join(' | ')}`);

    // The timeline, from the Google Cloud box's own row, as a user looks for it.
    const menu = await probeUi({ name: 'cross-cloud-menu', queries: { items: CONTEXT_MENU_ITEMS }, actions: [{ selector: TREE_ROWS, hasText: running(NAME).source, rightClick: true }] });
    assert.equal(menu.error, undefined, menu.error);
    assert.ok(visibleRows(menu, 'items').includes('Show Recovery Timeline'), `the box's context menu: ${visibleRows(menu, 'items').join(' | ')}`);
    const shown = nextCommandRun(api, 'spotbox.showRecoveryTimeline', 30_000);
    void shown.catch(() => undefined);
    const clicked = await probeUi({ name: 'cross-cloud-menu-timeline', queries: {}, actions: [{ selector: CONTEXT_MENU_ITEMS, hasText: '^Show Recovery Timeline$', click: true }] });
    assert.equal(clicked.error, undefined, clicked.error);
    const timeline = await expectUi(
      { name: 'cross-cloud-summary', queries: { rows: QUICK_PICK_ROWS, toasts: TOASTS } },
      (response) => visibleRows(response).some((row) => row.startsWith('Resumed at step')) && (response.found.toasts ?? []).some((element) => element.text.includes('is back on')),
      20,
    );
    const picked = visibleRows(timeline);
    assert.match(picked[0], new RegExp(`^Moved to Google Cloud \\(${move.to.zone}, g2-standard-4\\)\\s*AWS had no Spot capacity in us-east-1$`), picked.join(' | '));
    assert.match(picked[1], /^Copied \d+\.\d (kB|MB) in \d+\.\d s\s*\d+\.\d MB\/s, egress ≈ \$[0-9.]+$/, picked.join(' | '));
    assert.equal(picked[2], `Resumed at step ${run.resumedStep}, 0 steps lost`, picked.join(' | '));
    assert.ok(picked.some((row) => row.startsWith('interruption notice')), `the milestones follow: ${picked.join(' | ')}`);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal((await shown).outcome, 'ok');
  });

  it("terminates the Google Cloud box from its row's context menu, and leaves nothing of the session in either cloud", async function () {
    requireUiProbe(this, "open the tree row's context menu");
    const api = await activeApi();
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const box = api.boxStore.boxes.find((candidate) => candidate.cloud === 'gcp' && candidate.name === NAME);
    assert.ok(box, `${NAME} is in the tree on Google Cloud`);
    await expectUi({ name: 'cross-cloud-tree-before-terminate', queries: { rows: TREE_ROWS } }, (response) => visibleRows(response).some((row) => running(NAME).test(row)));
    const menu = await probeUi({ name: 'cross-cloud-menu-terminate', queries: { items: CONTEXT_MENU_ITEMS }, actions: [{ selector: TREE_ROWS, hasText: running(NAME).source, rightClick: true }] });
    assert.equal(menu.error, undefined, menu.error);
    assert.ok(visibleRows(menu, 'items').includes('Terminate Box'), `the box's context menu: ${visibleRows(menu, 'items').join(' | ')}`);
    const terminated = nextCommandRun(api, 'spotbox.terminateBox', 150_000);
    void terminated.catch(() => undefined);
    const confirmed = answerNextModal(new RegExp(`^Terminate ${NAME} \\(${box.instanceId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, g2-standard-4 in ${box.region}\\)\\?$`), 'Terminate');
    void confirmed.catch(() => undefined);
    const clicked = await probeUi({ name: 'cross-cloud-terminate', queries: {}, actions: [{ selector: CONTEXT_MENU_ITEMS, hasText: '^Terminate Box$', click: true }] });
    assert.equal(clicked.error, undefined, clicked.error);
    const run = await terminated;
    assert.equal(run.outcome, 'ok', `spotbox.terminateBox ended ${run.outcome}: ${run.message ?? ''}`);
    await confirmed;
    await eventually('the tree to have no box of the session', async () => ((await api.boxStore.refresh()).some((candidate) => candidate.name === NAME && candidate.state !== 'terminated') ? undefined : true), 120_000, 2_000);

    // Nothing left: the sweep's own view of each cloud finds no resource of the box, on AWS or Google Cloud.
    const ec2 = new Ec2ClientPool();
    try {
      const scan = await findOrphansInClouds(
        [
          { id: 'aws', cloud: ec2HygieneCloud(ec2), regions: [REGION], where: REGION },
          { id: 'gcp', cloud: gceHygieneCloud(async () => (await createGcpClients({ configuration: GCP_CONFIGURATION })).compute, keyDirectory), regions: [GCE_SWEEP_SCOPE], where: GCP_CONFIGURATION },
        ],
        { ownerId: api.ownerId, graceMs: 0 },
      );
      assert.deepEqual(scan.problems, [], 'both clouds could be read');
      const ours = [...scan.orphans, ...scan.recent, ...scan.otherOwners].filter((orphan) => orphan.boxName === NAME);
      assert.deepEqual(ours.map((orphan) => `${orphan.cloud ?? 'aws'} ${orphan.kind} ${orphan.id}`), [], 'nothing of the session is left');
    } finally {
      ec2.dispose();
    }
  });
});
