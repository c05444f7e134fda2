import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activeApi, nextCommandRun, runCommand, waitFor } from './extensionHarness';
import { expectUi, probeUi, requireUiProbe, runFromPalette } from './uiProbe';

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
    requireUiProbe(this, 'see the welcome view');
    const ui = await expectUi({ name: 'sidebar-welcome', queries: WORKBENCH }, (response) => (response.found.welcomeButtons?.length ?? 0) >= 3);
    assert.ok(ui.found.activityBarEntry?.some((entry) => entry.visible), 'the Spotbox activity-bar entry is visible');
    assert.ok(ui.found.sidebarTitle?.some((title) => /spotbox/i.test(title.text)), `sidebar title: ${JSON.stringify(ui.found.sidebarTitle)}`);
    assert.ok(ui.found.viewTitle?.some((title) => /spot boxes/i.test(title.text)), `view title: ${JSON.stringify(ui.found.viewTitle)}`);
    const buttons = (ui.found.welcomeButtons ?? []).map((button) => button.text.trim());
    assert.deepEqual(buttons, ['Estimate Savings', 'Launch a Spot Box', 'Open the Sandbox Guide']);
  });

  it('the welcome button Estimate Savings opens the calculator when clicked', async function () {
    requireUiProbe(this, 'click a welcome button');
    const api = await activeApi();
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const ran = nextCommandRun(api, 'spotbox.estimateSavings');
    const clicked = await probeUi({ name: 'welcome-estimate-savings-clicked', queries: {}, actions: [{ selector: WORKBENCH.welcomeButtons, hasText: '^Estimate Savings$', click: true }] });
    assert.equal(clicked.error, undefined, clicked.error);
    const run = await ran;
    assert.equal(run.outcome, 'ok', run.message);
    await waitFor(() => vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => /savings/i.test(tab.label))), 'the calculator tab', 20_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('refresh and show-log commands run', async () => {
    await activeApi();
    await runCommand('spotbox.refresh');
    await runCommand('spotbox.showLog');
  });

  it('Spotbox: Refresh Spot Boxes runs from the Command Palette', async function () {
    requireUiProbe(this, 'type into the Command Palette');
    const api = await activeApi();
    const ran = nextCommandRun(api, 'spotbox.refresh');
    await runFromPalette('Spotbox: Refresh Spot Boxes');
    const run = await ran;
    assert.equal(run.outcome, 'ok', run.message);
  });
});
