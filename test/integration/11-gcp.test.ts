import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { connectEndpoint } from '../../src/core/attach/connectEndpoint';
import type { Box } from '../../src/core/boxes/box';
import { createGcpClients } from '../../src/core/gcp/gcpClients';
import { resolveGceEndpoint } from '../../src/core/gcp/gceEndpoint';
import { terminateGceBox } from '../../src/core/gcp/gceTerminate';
import { runRemoteCommand } from '../../src/core/ssh/runRemoteCommand';
import { activeApi, eventually, leaveSandboxLaunches, sandboxControl, startCommand, useSandboxForLaunches } from './extensionHarness';
import { expectUi, pickQuickPickRow, requireUiProbe } from './uiProbe';

const BOX = 'gcp-box';
const RESUMED_BOX = 'gcp-trainer';
const REPO = path.resolve(__dirname, '../../..');

/**
 * Google Cloud inside VS Code, against the sandbox's Google Cloud (its gcloud configuration reaches
 * the editor through CLOUDSDK_CONFIG, as a user's gcloud would): Choose GCP Project answered from its
 * QuickPick, a "cloud": "gcp" profile launched from its pre-flight, and the box in the tree under
 * Google Cloud; then a training box preempted, shown going in the tree and back on a new machine,
 * its trainer resumed at the step it saved (the managed instance group and the box did it).
 */
describe('Google Cloud in the editor (against the sandbox cloud)', function () {
  this.timeout(300_000);

  before(async () => {
    await useSandboxForLaunches(['us-east-1']);
  });

  after(async () => {
    const api = await activeApi();
    // Terminate Box asks a modal question the test host refuses: the core does what it would.
    const clients = await createGcpClients({ configuration: 'spotbox-sandbox' }).catch(() => undefined);
    for (const box of api.boxStore.boxes.filter((candidate) => candidate.cloud === 'gcp')) {
      if (clients) await terminateGceBox(clients.compute, box, { ownerId: api.ownerId, keyDirectory: api.keyDirectory }).catch(() => undefined);
    }
    await vscode.workspace.getConfiguration('spotbox').update('gcpConfiguration', undefined, vscode.ConfigurationTarget.Global);
    await leaveSandboxLaunches();
    await api.boxStore.refresh().catch(() => undefined);
  });

  it('connects a gcloud configuration from Choose GCP Project, proving it before it is kept', async function () {
    requireUiProbe(this, 'answer the configuration QuickPick');
    const choosing = startCommand('spotbox.chooseGcpProject');
    const rows = await pickQuickPickRow('gcp-configuration-pick', /^spotbox-sandbox/);
    assert.ok(rows.some((row) => /spotbox-sandbox.*custom endpoints/.test(row)), rows.join(' | '));
    assert.ok(rows.some((row) => /^Do not use Google Cloud/.test(row)), rows.join(' | '));
    const run = await choosing;
    assert.equal(run.outcome, 'ok', `${run.outcome}: ${run.message ?? ''}`);
    assert.equal(vscode.workspace.getConfiguration('spotbox').get('gcpConfiguration'), 'spotbox-sandbox');
  });

  it('launches a "cloud": "gcp" profile after its pre-flight and shows the box under Google Cloud in the tree', async function () {
    requireUiProbe(this, 'answer the pre-flight and read the tree');
    const api = await activeApi();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const profile = { name: BOX, cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], maxPrice: 2, volumeGb: 50 };
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, '.spotbox', 'profile.json'), new TextEncoder().encode(JSON.stringify(profile, null, 2)));
    const launching = startCommand('spotbox.launchBox');
    const rows = await pickQuickPickRow('gcp-launch-preflight', new RegExp(`^Launch "${BOX}" on Google Cloud \\(spotbox-sandbox\\)`), { first: true });
    assert.match(rows[0], /from \$[\d.]+\/h g2-standard-4 in us-central1 \(Billing Catalog\) · guard \$2\/h.*SSH from 127\.0\.0\.1\/32 only/, rows[0]);
    const run = await launching;
    assert.equal(run.outcome, 'ok', `spotbox.launchBox ended ${run.outcome}: ${run.message ?? ''}`);
    const deadline = Date.now() + 60_000;
    while (!(await api.boxStore.refresh()).some((box) => box.cloud === 'gcp' && box.name === BOX && box.state === 'running')) {
      assert.ok(Date.now() < deadline, `${BOX} running in the tree`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const box = api.boxStore.boxes.find((candidate) => candidate.cloud === 'gcp' && candidate.name === BOX)!;
    assert.equal(box.lifecycle, 'spot');
    assert.ok((box.hourlyPriceUsd ?? 0) > 0, 'priced from the Billing Catalog');
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const ui = await expectUi({ name: 'tree-gcp-box', queries: { rows: '.sidebar .monaco-list-row' } }, (response) =>
      (response.found.rows ?? []).some((row) => /^Google Cloud\s*1 box/.test(row.text.replace(/\s+/g, ' '))) && (response.found.rows ?? []).some((row) => row.text.includes(BOX)),
    );
    const treeRows = (ui.found.rows ?? []).map((row) => row.text.replace(/\s+/g, ' '));
    assert.ok(treeRows.some((row) => /^us-central1\s*1 box/.test(row)), treeRows.join(' | '));
    assert.ok(treeRows.some((row) => new RegExp(`^${BOX}\\s*g2-standard-4 · \\$[\\d.]+/h · running`).test(row)), treeRows.join(' | '));
  });

  it('a training box preempted: the tree shows it going and back on a new machine, and its trainer resumed at the step it saved', async function () {
    requireUiProbe(this, 'answer the pre-flight and read the tree');
    const api = await activeApi();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    // A user's plain PyTorch loop that saves on SIGTERM, in the folder the launch uploads.
    fs.copyFileSync(path.join(REPO, 'examples', 'pytorch-loop', 'train.py'), path.join(folder.fsPath, 'train.py'));
    const profile = {
      name: RESUMED_BOX,
      cloud: 'gcp',
      regions: ['us-central1'],
      instanceTypes: ['g2-standard-4'],
      maxPrice: 2,
      volumeGb: 50,
      checkpoint: { bucket: 'spotbox-sandbox', prefix: 'it-gcp', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
      session: { command: 'python3 ~/workspace/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1', stepFile: '~/step' },
    };
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, '.spotbox', 'profile.json'), new TextEncoder().encode(JSON.stringify(profile, null, 2)));
    const launching = startCommand('spotbox.launchBox');
    const rows = await pickQuickPickRow('gcp-trainer-preflight', new RegExp(`^Launch "${RESUMED_BOX}" on Google Cloud`), { first: true });
    assert.ok(rows.some((row) => /managed instance group of one recreates the box/.test(row)), `the pre-flight says what a preemption does: ${rows.join(' | ')}`);
    const run = await launching;
    assert.equal(run.outcome, 'ok', `spotbox.launchBox ended ${run.outcome}: ${run.message ?? ''}`);

    const clients = await createGcpClients({ configuration: 'spotbox-sandbox' });
    const onBox = async (box: Box, command: string): Promise<string> => {
      const client = await connectEndpoint(await resolveGceEndpoint(clients.compute, box, { keyDirectory: api.keyDirectory, defaultUser: 'ubuntu' }), { retries: 5 });
      return runRemoteCommand(client, command).then((output) => output.stdout).finally(() => client.end());
    };
    const listed = async (state: Box['state']): Promise<Box | undefined> => (await api.boxStore.refresh()).find((box) => box.cloud === 'gcp' && box.name === RESUMED_BOX && box.state === state);
    const first = await eventually('the training box running in the tree', () => listed('running'), 60_000, 1_000);
    await eventually('the trainer stepping', async () => (Number(await onBox(first, 'cat ~/step 2>/dev/null || echo 0')) >= 50 ? true : undefined), 120_000, 1_000);

    // Google takes the VM back: the notice, the soft off at once, the hard off 30 s later.
    await sandboxControl('/gcp/faults/preempt', { instance: first.instanceId });
    await eventually('the tree to show the box going', () => listed('stopping'), 20_000, 500);
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    await expectUi({ name: 'tree-gcp-preempted', queries: { rows: '.sidebar .monaco-list-row' } }, (response) => (response.found.rows ?? []).some((row) => new RegExp(`^${RESUMED_BOX}.*stopping`).test(row.text.replace(/\s+/g, ' '))));
    const stopped = await onBox(first, 'cat ~/trainer.log').catch(() => '');
    const stoppedAt = Number(/stopping at step (\d+)/.exec(stopped)?.[1]);

    // The group recreates the VM (same name, new machine); the box restores itself and restarts the trainer.
    const back = await eventually('the box back on a new machine', async () => {
      const box = await listed('running');
      return box && box.launchTime !== first.launchTime ? box : undefined;
    }, 150_000, 1_000);
    const log = await eventually('the trainer resumed on the new machine', async () => {
      const text = await onBox(back, 'cat ~/trainer.log 2>/dev/null || true');
      return /resumed at step \d+/.test(text) ? text : undefined;
    }, 120_000, 1_000);
    const ui = await expectUi({ name: 'tree-gcp-resumed', queries: { rows: '.sidebar .monaco-list-row' } }, (response) => (response.found.rows ?? []).some((row) => new RegExp(`^${RESUMED_BOX}.*running`).test(row.text.replace(/\s+/g, ' '))));
    assert.ok((ui.found.rows ?? []).some((row) => row.text.includes(RESUMED_BOX)));
    assert.ok(stoppedAt > 0, `the trainer saved on SIGTERM: ${stopped.slice(-300)}`);
    assert.match(log, new RegExp(`resumed at step ${stoppedAt}\\b`), '0 steps lost');
    fs.rmSync(path.join(folder.fsPath, 'train.py'), { force: true });
  });
});
