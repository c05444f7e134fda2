import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeApi } from './extensionHarness';
import { canProbeUi, probeUiUntil } from './uiProbe';

const WORKBENCH = {
  activityBarEntry: '.activitybar .action-item .action-label[aria-label^="Spotbox"]',
  sidebarTitle: '.sidebar .composite.title .title-label',
  viewTitle: '.sidebar .pane-header .title',
  welcome: '.sidebar .welcome-view-content',
  welcomeButtons: '.sidebar .welcome-view-content .monaco-button',
};

describe('Spotbox sidebar', () => {
  it('shows the Spot Boxes view with its welcome content when there are no boxes', async function () {
    const api = await activeApi();
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    await api.boxStore.refresh();
    assert.equal(api.boxStore.boxes.length, 0);
    if (!canProbeUi()) {
      this.skip();
    }
    const ui = await probeUiUntil({ name: 'sidebar-welcome', queries: WORKBENCH }, (response) => (response.found.welcomeButtons?.length ?? 0) >= 3);
    assert.ok(ui.found.activityBarEntry?.some((entry) => entry.visible), 'the Spotbox activity-bar entry is visible');
    assert.ok(ui.found.sidebarTitle?.some((title) => /spotbox/i.test(title.text)), `sidebar title: ${JSON.stringify(ui.found.sidebarTitle)}`);
    assert.ok(ui.found.viewTitle?.some((title) => /spot boxes/i.test(title.text)), `view title: ${JSON.stringify(ui.found.viewTitle)}`);
    const buttons = (ui.found.welcomeButtons ?? []).map((button) => button.text.trim());
    assert.deepEqual(buttons, ['Estimate Savings', 'Launch a Spot Box', 'Open the Sandbox Guide']);
  });

  it('refresh and show-log commands run', async () => {
    await activeApi();
    await vscode.commands.executeCommand('spotbox.refresh');
    await vscode.commands.executeCommand('spotbox.showLog');
  });
});
