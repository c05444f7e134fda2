import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Box } from '../../src/core/boxes/box';
import type { BoxSource } from '../../src/core/boxes/boxStore';
import { activeApi, waitFor } from './extensionHarness';
import { canProbeUi, probeUiUntil } from './uiProbe';

// A fixed list stands in for the cloud until the sandbox-backed source exists; what is under test
// here is how the editor shows the model, not where the model comes from.
function fixedSource(boxes: Box[]): BoxSource {
  return { description: 'integration fixture', listBoxes: async () => boxes };
}

const runningBox: Box = {
  instanceId: 'i-0123456789abcdef0',
  name: 'llama-finetune',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 'g5.xlarge',
  lifecycle: 'spot',
  state: 'running',
  hourlyPriceUsd: 0.4,
  launchTime: Date.now() - 90 * 60_000,
  publicIp: '127.0.0.2',
};

async function setTickerSetting(enabled: boolean | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('spotbox').update('statusBar.costTicker', enabled, vscode.ConfigurationTarget.Global);
}

describe('Status-bar cost ticker', () => {
  after(async () => {
    await setTickerSetting(undefined);
    const api = await activeApi();
    await api.boxStore.setSource(fixedSource([]));
  });

  it('is hidden while no box runs', async () => {
    const api = await activeApi();
    await api.boxStore.setSource(fixedSource([{ ...runningBox, state: 'terminated' }]));
    assert.equal(api.costTicker().visible, false);
  });

  it('shows the hourly and accrued cost while a box runs, and the tree lists the box', async () => {
    const api = await activeApi();
    await api.boxStore.setSource(fixedSource([runningBox]));
    assert.equal(api.costTicker().visible, true);
    assert.match(api.costTicker().text, /1 box \$0\.40\/h · \$0\.6\d/);
    if (canProbeUi()) {
      await vscode.commands.executeCommand('workbench.view.extension.spotbox');
      const ui = await probeUiUntil(
        {
          name: 'sidebar-with-box-and-ticker',
          queries: { statusBarItems: '.statusbar-item', treeRows: '.sidebar .monaco-list-row' },
        },
        (response) => (response.found.treeRows ?? []).some((row) => row.text.includes('llama-finetune')),
      );
      assert.ok((ui.found.statusBarItems ?? []).some((item) => item.visible && item.text.includes('1 box $0.40/h')), 'ticker rendered in the status bar');
      assert.ok((ui.found.treeRows ?? []).some((row) => row.text.includes('llama-finetune') && row.text.includes('g5.xlarge')), 'box row in the tree');
    }
  });

  it('follows the spotbox.statusBar.costTicker setting', async () => {
    const api = await activeApi();
    await api.boxStore.setSource(fixedSource([runningBox]));
    await setTickerSetting(false);
    await waitFor(() => !api.costTicker().visible, 'the ticker to hide when the setting is off');
    await setTickerSetting(true);
    await waitFor(() => api.costTicker().visible, 'the ticker to come back when the setting is on');
  });
});
