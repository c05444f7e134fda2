import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { connectEndpoint } from '../../src/core/attach/connectEndpoint';
import { parseResourceId } from '../../src/core/azure/armResourceId';
import { createAzureClients } from '../../src/core/azure/azureClients';
import { resolveAzureEndpoint } from '../../src/core/azure/azureEndpoint';
import { terminateAzureBox } from '../../src/core/azure/azureTerminate';
import type { Box } from '../../src/core/boxes/box';
import { stepsLost } from '../../src/core/recovery/recoveryTypes';
import { runRemoteCommand } from '../../src/core/ssh/runRemoteCommand';
import { activeApi, eventually, leaveSandboxLaunches, nextCommandRun, sandboxControl, startCommand, useSandboxForLaunches } from './extensionHarness';
import { expectUi, pickQuickPickRow, QUICK_PICK_ROWS, requireUiProbe, runFromPalette, visibleRows } from './uiProbe';

const NAME = 'e2e-azure-restore';
/** The README's plain PyTorch recipe, copied into the window's workspace as a user would (9-recovery.test.ts). */
const RECIPE = path.resolve(__dirname, '../../../examples/pytorch-loop/train.py');
const WORKSPACE_TRAINER = path.resolve(__dirname, '../../../test/fixtures/workspace/train.py');
const TREE_ROWS = '.sidebar .monaco-list-row';
/** Azure documents no figure for Try & Restore; the sandbox's default is a minute, the scenario asks for a prompt one. */
const RESTORE_DELAY_MS = 2_000;

/**
 * A box Azure restores by itself (a Flexible Spot scale set of one with Try & Restore), launched
 * from the palette with the PyTorch recipe and evicted by the sandbox: the tree shows the countdown
 * once ARM confirms the eviction, the window launches nothing, and the recovery timeline on the new
 * instance's row reads notice → checkpoint committed → replacement running → restored → resumed.
 */
describe('Azure restores its own box; the editor shows the countdown and the timeline (against the sandbox cloud)', function () {
  this.timeout(300_000);
  let box: Box | undefined;
  let replacement: string | undefined;

  before(async () => {
    fs.copyFileSync(RECIPE, WORKSPACE_TRAINER);
    await useSandboxForLaunches(['us-east-1']);
    await vscode.workspace.getConfiguration('spotbox').update('azureSubscription', process.env.AZURE_SUBSCRIPTION_ID, vscode.ConfigurationTarget.Global);
    await sandboxControl('/azure/scale-sets/restore-delay', { ms: RESTORE_DELAY_MS });
  });

  after(async () => {
    const api = await activeApi();
    const left = (await api.boxStore.refresh().catch(() => [] as readonly Box[])).filter((listed) => listed.name === NAME);
    for (const listed of left) await terminateAzureBox(createAzureClients(), listed, { ownerId: api.ownerId, keyDirectory: api.keyDirectory }).catch(() => undefined);
    await sandboxControl('/azure/scale-sets/restore-delay', { ms: 60_000 }).catch(() => undefined);
    await vscode.workspace.getConfiguration('spotbox').update('azureSubscription', undefined, vscode.ConfigurationTarget.Global);
    await leaveSandboxLaunches();
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('notifications.clearAll');
    fs.rmSync(WORKSPACE_TRAINER, { force: true });
  });

  it('evicted: the countdown in the tree and the warning, then the timeline on the new instance: resumed with 0 steps lost', async function () {
    requireUiProbe(this, 'answer the pre-flight, see the countdown and read the timeline');
    const api = await activeApi();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const profile = {
      name: NAME,
      cloud: 'azure',
      regions: ['eastus'],
      instanceTypes: ['Standard_NC4as_T4_v3'],
      maxPrice: 2,
      volumeGb: 64,
      workspaceDir: '~/workspace',
      checkpoint: { bucket: 'devstoreaccount1/spotbox-sandbox', prefix: 'vscode-e2e-azure', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
      session: { command: 'python3 ~/workspace/train.py --total-steps 100000 --step-seconds 0.05 >> ~/trainer.log 2>&1', stepFile: '~/step' },
    };
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, '.spotbox', 'profile.json'), new TextEncoder().encode(JSON.stringify(profile, null, 2)));
    const launched = nextCommandRun(api, 'spotbox.launchBox', 200_000);
    void launched.catch(() => undefined);
    await runFromPalette('Spotbox: Launch a Spot Box');
    await pickQuickPickRow('azure-restore-preflight', new RegExp(`^Launch "${NAME}" on Azure`), { first: true });
    const run = await launched;
    assert.equal(run.outcome, 'ok', `spotbox.launchBox ended ${run.outcome}: ${run.message ?? ''}`);
    box = await eventually('the box running in the tree', async () => (await api.boxStore.refresh()).find((listed) => listed.name === NAME && listed.state === 'running'), 60_000, 1_000);
    assert.ok(box.lineage, 'the scale set carries the lineage');

    const clients = createAzureClients();
    const endpoint = await resolveAzureEndpoint(clients, box, { keyDirectory: api.keyDirectory, defaultUser: 'azureuser' });
    const client = await connectEndpoint(endpoint, { retries: 8 });
    try {
      await eventually('the trainer stepping', async () => (Number((await runRemoteCommand(client, 'cut -d" " -f1 ~/step 2>/dev/null || echo 0')).stdout.trim()) >= 40 ? true : undefined), 90_000, 1_000);
    } finally {
      client.end();
    }

    const id = parseResourceId(box.instanceId)!;
    const evictedAt = Date.now();
    await sandboxControl('/azure/evict', { vm: id.name, resourceGroup: id.resourceGroup });
    await eventually('the notice in the editor (once ARM confirms it)', async () => (api.notices.of(box!.instanceId)?.kind === 'interruption' ? true : undefined), 40_000, 100);
    const noticeVisibleMs = Date.now() - evictedAt;
    const shownNotice = api.notices.of(box.instanceId)!;
    console.log(`      Azure eviction -> countdown in the editor after ${(noticeVisibleMs / 1000).toFixed(1)} s; journal notice at +${((shownNotice.receivedAt - evictedAt) / 1000).toFixed(1)} s, NotBefore at +${(((shownNotice.actionTime ?? NaN) - evictedAt) / 1000).toFixed(1)} s`);
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const ui = await expectUi(
      { name: 'azure-notice-countdown', queries: { rows: TREE_ROWS, toasts: '.notifications-toasts .notification-toast' } },
      (response) => visibleRows(response, 'rows').some((row) => row.includes(NAME) && /\d+:\d\d left/.test(row)),
      20,
    );
    const rows = visibleRows(ui, 'rows').map((row) => row.replace(/\s+/g, ' '));
    const countdownShown = rows.some((row) => new RegExp(`${NAME}.*⚠ \\d+:\\d\\d left`).test(row));
    const warned = (ui.found.toasts ?? []).some((toast) => toast.text.includes('will be evicted by Azure'));
    console.log(`      tree: ${rows.join(' | ')} (screenshot ${ui.screenshot})`);

    const record = await eventually('the recovery Azure makes to be followed to its end', async () => {
      const followed = api.recovery.selfRestoreRecordOf(box!);
      return followed?.recovery?.phase === 'resumed' || followed?.recovery?.phase === 'failed' ? followed : undefined;
    }, 180_000, 1_000).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; the followed run: ${JSON.stringify(api.recovery.selfRestoreRecordOf(box!)?.recovery)}`);
    });
    const followed = record.recovery!;
    assert.equal(followed.phase, 'resumed', followed.error);
    replacement = followed.replacementInstanceId;
    assert.ok(replacement && replacement !== box.instanceId, 'a new instance of the set');
    assert.ok(followed.timeline.checkpointCommitted !== undefined && followed.timeline.replacementRunning !== undefined && followed.timeline.restored !== undefined && followed.timeline.resumed !== undefined, JSON.stringify(followed.timeline));
    assert.equal(followed.resumedStep, followed.checkpointStep, 'resumed from the notice checkpoint');
    const lost = stepsLost(followed);
    assert.ok(lost === undefined || lost === 0, `steps lost: ${String(lost)}`);
    console.log(`      timeline: checkpoint ${(((followed.timeline.checkpointCommitted ?? 0) - (followed.timeline.notice ?? 0)) / 1000).toFixed(1)} s, running ${(((followed.timeline.replacementRunning ?? 0) - (followed.timeline.notice ?? 0)) / 1000).toFixed(1)} s, resumed ${(((followed.timeline.resumed ?? 0) - (followed.timeline.notice ?? 0)) / 1000).toFixed(1)} s after the notice; step ${String(followed.checkpointStep)}, ${String(lost)} lost`);
    // Nothing was launched by the window: the lineage store has no record of this box.
    assert.equal(await api.lineages.findByInstance(box.instanceId), undefined);

    const newBox = await eventually('the new instance in the tree', async () => (await api.boxStore.refresh()).find((listed) => listed.instanceId === replacement && listed.state === 'running'), 60_000, 1_000);
    const shown = startCommand('spotbox.showRecoveryTimeline', { box: newBox });
    void shown.catch(() => undefined);
    const timeline = await expectUi({ name: 'azure-recovery-timeline', queries: { rows: QUICK_PICK_ROWS } }, (response) => visibleRows(response, 'rows').some((row) => row.includes('0 steps lost') || row.includes('session resumed')), 20);
    const lines = visibleRows(timeline, 'rows');
    for (const milestone of ['interruption notice', 'checkpoint committed', 'replacement running', 'restored', 'resumed']) {
      assert.ok(lines.some((line) => line.startsWith(milestone)), `${milestone} in the timeline: ${lines.join(' | ')}`);
    }
    assert.ok(lines.some((line) => /0 steps lost/.test(line)), lines.join(' | '));
    console.log(`      timeline screenshot ${timeline.screenshot}`);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.ok(countdownShown, `the tree showed a running countdown: ${rows.join(' | ')}`);
    assert.ok(warned, 'the warning notification');
  });
});
