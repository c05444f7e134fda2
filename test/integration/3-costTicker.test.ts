import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DescribeSpotPriceHistoryCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Box } from '../../src/core/boxes/box';
import type { BoxStore, BoxSource } from '../../src/core/boxes/boxStore';
import { formatUsd } from '../../src/core/billing/costSummary';
import { referenceBilledSeconds, referenceCostUsd } from '../unit/billing/referenceBilling';
import { activeApi, spotboxExtension, waitFor } from './extensionHarness';
import { probeUiUntil, requireUiProbe } from './uiProbe';

// A fixed list stands in for the box list; what is under test is how the editor prices and shows
// it. The prices themselves come from the sandbox cloud's spot price history, as they would from EC2.
function fixedSource(boxes: Box[]): BoxSource {
  return { description: 'integration fixture', listBoxes: async () => boxes };
}

// The tree's quick price is deliberately absurd: the ticker must bill from the history, not from it.
const runningBox: Box = {
  cloud: 'aws', instanceId: 'i-0123456789abcdef0',
  name: 'llama-finetune',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 'g5.xlarge',
  lifecycle: 'spot',
  state: 'running',
  hourlyPriceUsd: 7.77,
  launchTime: Date.now() - 150 * 60_000,
  publicIp: '127.0.0.2',
};

async function setTickerSetting(enabled: boolean | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('spotbox').update('statusBar.costTicker', enabled, vscode.ConfigurationTarget.Global);
}

/** The pool's history as the sandbox serves it, read here with the SDK independently of the extension. */
async function sandboxHistory(box: Box, endMs: number): Promise<Array<{ timestamp: number; usdPerHour: number }>> {
  const answer = await new EC2Client({ region: box.region }).send(
    new DescribeSpotPriceHistoryCommand({ InstanceTypes: [box.instanceType as 'g5.xlarge'], AvailabilityZone: box.availabilityZone, ProductDescriptions: ['Linux/UNIX'], StartTime: new Date(box.launchTime!), EndTime: new Date(endMs) }),
  );
  return (answer.SpotPriceHistory ?? []).map((item) => ({ timestamp: item.Timestamp!.getTime(), usdPerHour: Number(item.SpotPrice) }));
}

function catalogOnDemand(region: string, instanceType: string): number {
  const file = path.join(spotboxExtension().extensionPath, 'resources', 'prices', 'aws-ec2-gpu-on-demand.json');
  const catalog = JSON.parse(fs.readFileSync(file, 'utf8')) as { instanceTypes: Record<string, { prices: Record<string, { usdPerHour: number }> }> };
  return catalog.instanceTypes[instanceType].prices[region].usdPerHour;
}

async function showBoxes(store: BoxStore, boxes: Box[]): Promise<void> {
  await store.setSource(fixedSource(boxes));
}

describe('Status-bar cost ticker', function () {
  this.timeout(60_000);

  after(async () => {
    await setTickerSetting(undefined);
    const api = await activeApi();
    await showBoxes(api.boxStore, []);
  });

  it('is hidden while no box runs', async () => {
    const api = await activeApi();
    await showBoxes(api.boxStore, [{ ...runningBox, state: 'terminated' }]);
    assert.equal(api.costTicker().visible, false);
  });

  it('bills the running box per second from its pool\'s spot price history, with savings against on-demand', async function () {
    const api = await activeApi();
    await showBoxes(api.boxStore, [runningBox]);
    assert.equal(api.costTicker().visible, true);
    await waitFor(() => api.costTicker().boxes[0]?.basis === 'price-history' && api.costTicker().summary.onDemandEquivalentUsd > 0, 'the price history and the on-demand price', 30_000);
    const state = api.costTicker();

    const history = await sandboxHistory(runningBox, state.asOf);
    assert.ok(history.length >= 3, `the 150-minute run spans several hourly prices: ${JSON.stringify(history)}`);
    const expectedAccrued = referenceCostUsd(runningBox.launchTime!, state.asOf, history);
    const currentPrice = [...history].sort((a, b) => a.timestamp - b.timestamp).filter((change) => change.timestamp <= state.asOf).at(-1)!.usdPerHour;
    const expectedOnDemand = (catalogOnDemand('us-east-1', 'g5.xlarge') * referenceBilledSeconds(runningBox.launchTime!, state.asOf)) / 3600;
    assert.ok(Math.abs(state.summary.accruedUsd - expectedAccrued) < 5e-4, `accrued ${state.summary.accruedUsd} vs ${expectedAccrued} from the history`);
    assert.equal(state.summary.hourlyUsd, currentPrice);
    assert.ok(Math.abs(state.summary.onDemandEquivalentUsd - expectedOnDemand) < 1e-6);
    assert.ok(Math.abs(state.summary.savingsUsd - (expectedOnDemand - expectedAccrued)) < 5e-4);
    assert.equal(state.text, `$(pulse) 1 box ${formatUsd(currentPrice)}/h · ${formatUsd(state.summary.accruedUsd)}`);
    assert.match(state.tooltip, new RegExp(`Saved \\*\\*${formatUsd(state.summary.savingsUsd).replace(/[$.]/g, '\\$&')}\\*\\*`));
    assert.match(state.tooltip, /\| llama\\-finetune \| g5\\\.xlarge · us\\-east\\-1a \|/);

    requireUiProbe(this, 'see the status bar and the tree');
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const ui = await probeUiUntil(
      {
        name: 'sidebar-with-box-and-ticker',
        queries: { statusBarItems: '.statusbar-item', treeRows: '.sidebar .monaco-list-row' },
      },
      (response) => (response.found.treeRows ?? []).some((row) => row.text.includes('llama-finetune')),
    );
    const shown = api.costTicker().text.replace('$(pulse) ', '');
    assert.ok((ui.found.statusBarItems ?? []).some((item) => item.visible && item.text.includes(shown)), `ticker "${shown}" rendered in the status bar`);
    assert.ok((ui.found.treeRows ?? []).some((row) => row.text.includes('llama-finetune') && row.text.includes('g5.xlarge')), 'box row in the tree');
  });

  it('follows the spotbox.statusBar.costTicker setting', async () => {
    const api = await activeApi();
    await showBoxes(api.boxStore, [runningBox]);
    await setTickerSetting(false);
    await waitFor(() => !api.costTicker().visible, 'the ticker to hide when the setting is off');
    await setTickerSetting(true);
    await waitFor(() => api.costTicker().visible, 'the ticker to come back when the setting is on');
  });
});
