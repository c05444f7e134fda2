import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createGcpClients } from '../../src/core/gcp/gcpClients';
import { terminateGceBox } from '../../src/core/gcp/gceTerminate';
import { activeApi, leaveSandboxLaunches, startCommand, useSandboxForLaunches } from './extensionHarness';
import { expectUi, pickQuickPickRow, requireUiProbe } from './uiProbe';

const BOX = 'gcp-box';

/**
 * Google Cloud inside VS Code, against the sandbox's Google Cloud (its gcloud configuration reaches
 * the editor through CLOUDSDK_CONFIG, as a user's gcloud would): Choose GCP Project answered from its
 * QuickPick, a "cloud": "gcp" profile launched from its pre-flight, and the box in the tree under
 * Google Cloud.
 */
describe('Google Cloud in the editor (against the sandbox cloud)', function () {
  this.timeout(180_000);

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
});
