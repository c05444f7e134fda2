import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DescribeSpotPriceHistoryCommand, EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import type { Box } from '../../src/core/boxes/box';
import type { BoxSource } from '../../src/core/boxes/boxStore';
import { hours, percent, usd, usdFine } from '../../src/core/dashboard/dashboardFormat';
import type { DashboardModel } from '../../src/core/dashboard/dashboardModel';
import { interruptionStats, type InterruptionRow } from '../../src/core/dashboard/interruptionStats';
import type { BoxSession } from '../../src/core/dashboard/usageTypes';
import { referenceBilledSeconds, referenceCostUsd } from '../unit/billing/referenceBilling';
import { activeApi, runCommand, spotboxExtension, waitFor } from './extensionHarness';
import { probeUiUntil, requireUiProbe } from './uiProbe';

const MINUTE = 60_000;
const started = Date.now();
const llama: Box = {
  cloud: 'aws', instanceId: 'i-0dashboard000llama',
  name: 'dash-llama',
  region: 'us-east-1',
  availabilityZone: 'us-east-1b',
  instanceType: 'g5.xlarge',
  lifecycle: 'spot',
  state: 'running',
  hourlyPriceUsd: 0.5,
  launchTime: started - 200 * MINUTE,
};
const mistral: Box = {
  ...llama,
  instanceId: 'i-0dashboard0mistral',
  name: 'dash-mistral',
  region: 'us-west-2',
  availabilityZone: 'us-west-2c',
  instanceType: 'g4dn.xlarge',
  launchTime: started - 70 * MINUTE,
};

const WEBVIEW = {
  totalSavings: '#total-savings',
  totalSpot: '#total-spot',
  projected: '#projected-savings',
  projectionNote: '#projection-note',
  cloudRows: '#clouds-body tr',
  boxRows: '#boxes-body tr',
  typeRows: '#interruptions-type-body tr',
  regionRows: '#interruptions-region-body tr',
  epochRows: '#epochs-body tr',
  charts: '.chart svg',
  bars: '.chart svg rect.bar',
  alert: '#alert-status',
  empty: '#empty',
};

function fixedSource(boxes: Box[]): BoxSource {
  return { description: 'dashboard fixture', listBoxes: async () => boxes };
}

async function sandboxHistory(box: Box, endMs: number): Promise<Array<{ timestamp: number; usdPerHour: number }>> {
  const answer = await new EC2Client({ region: box.region }).send(
    new DescribeSpotPriceHistoryCommand({ InstanceTypes: [box.instanceType as _InstanceType], AvailabilityZone: box.availabilityZone, ProductDescriptions: ['Linux/UNIX'], StartTime: new Date(box.launchTime!), EndTime: new Date(endMs) }),
  );
  return (answer.SpotPriceHistory ?? []).map((item) => ({ timestamp: item.Timestamp!.getTime(), usdPerHour: Number(item.SpotPrice) }));
}

function catalogOnDemand(region: string, instanceType: string): number {
  const file = path.join(spotboxExtension().extensionPath, 'resources', 'prices', 'aws-ec2-gpu-on-demand.json');
  const catalog = JSON.parse(fs.readFileSync(file, 'utf8')) as { instanceTypes: Record<string, { prices: Record<string, { usdPerHour: number }> }> };
  return catalog.instanceTypes[instanceType].prices[region].usdPerHour;
}

function sessionOf(model: readonly BoxSession[], box: Box): BoxSession | undefined {
  return model.find((session) => session.instanceId === box.instanceId && session.start === box.launchTime);
}

const cellsOf = (text: string): string[] => text.split('\t').map((cell) => cell.trim());

type Found = Readonly<Record<string, ReadonlyArray<{ readonly text: string; readonly visible: boolean }>>>;

/** What the rendered dashboard gets wrong against the model it was sent; empty when it all matches. */
function renderingProblems(found: Found, model: DashboardModel): string[] {
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown): void => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${what}: shown ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  const rowsOf = (key: string): string[][] => (found[key] ?? []).map((row) => cellsOf(row.text));
  expect('total savings', found.totalSavings?.[0]?.text, usd(model.totals.savingsUsd));
  expect('total spot', found.totalSpot?.[0]?.text, usd(model.totals.spotUsd));
  expect('projected monthly savings', found.projected?.[0]?.text, usd(model.projection.projectedSavingsUsd));
  if (!/the last 7 days of usage .* scaled to 30 days/.test(found.projectionNote?.[0]?.text ?? '')) problems.push(`projection note: ${found.projectionNote?.[0]?.text}`);
  expect('empty state hidden', found.empty?.[0]?.visible, false);
  expect(
    'by-cloud rows (cloud, sessions, hours, spot, on-demand, saved, saved %)',
    rowsOf('cloudRows').map((cells) => cells.slice(0, 7)),
    model.byCloud.map(({ label, totals }) => [label, String(totals.sessions), hours(totals.boxHours), usd(totals.spotUsd), usd(totals.onDemandUsd), usd(totals.savingsUsd), percent(totals.savingsPercent)]),
  );
  const box = model.boxes.find((candidate) => candidate.boxName === 'dash-llama');
  expect(
    'dash-llama savings row',
    rowsOf('boxRows').find((cells) => cells[0] === 'dash-llama')?.slice(4, 11),
    box && [hours(box.hours), usd(box.spotUsd), usd(box.onDemandUsd), usd(box.savingsUsd), `${box.savingsPercent?.toFixed(1)} %`, '2', 'running'],
  );
  // The figures themselves are checked against the ledger in the test; here, that the page shows them.
  const shown = (row: InterruptionRow | undefined): string[] | undefined => row && [row.notice, row.rebalance, row.hard, row.total].map(String);
  expect('g5.xlarge interruptions (notice, rebalance, hard, total)', rowsOf('typeRows').find((cells) => cells[0] === 'g5.xlarge')?.slice(1, 5), shown(model.interruptionsByType.find((row) => row.key === 'g5.xlarge')));
  const westKey = model.interruptionsByRegion.find((row) => row.key.endsWith('us-west-2'))?.key;
  expect('us-west-2 interruptions (notice, rebalance, hard, total)', rowsOf('regionRows').find((cells) => cells[0] === westKey)?.slice(1, 5), shown(model.interruptionsByRegion.find((row) => row.key === westKey)));
  const epochs = model.epochs.find((candidate) => candidate.boxName === 'dash-llama');
  expect('dash-llama per-epoch row', rowsOf('epochRows').find((cells) => cells[0] === 'dash-llama')?.slice(1, 4), epochs && ['4', usd(epochs.spotUsd), usdFine(epochs.spotPerEpochUsd)]);
  expect('visible charts', (found.charts ?? []).filter((chart) => chart.visible).length, 2);
  // One bar segment per non-zero count, in both charts: the interruptions recorded here, and any others.
  const segments = (rows: DashboardModel['interruptionsByType']): number => rows.reduce((count, row) => count + [row.notice, row.rebalance, row.hard].filter((value) => value > 0).length, 0);
  expect('bar segments', (found.bars ?? []).length, segments(model.interruptionsByType) + segments(model.interruptionsByRegion));
  return problems;
}

async function setAlertLevel(usdPerHour: number | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('spotbox').update('priceAlertUsdPerHour', usdPerHour, vscode.ConfigurationTarget.Global);
}

describe('Cost dashboard (usage ledger, savings, interruptions, epochs, price alert)', function () {
  this.timeout(120_000);

  after(async () => {
    await setAlertLevel(undefined);
    const api = await activeApi();
    await api.boxStore.setSource(fixedSource([]));
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('records each box session with its cost billed from the sandbox price history', async () => {
    const api = await activeApi();
    await api.boxStore.setSource(fixedSource([llama, mistral]));
    await waitFor(() => api.costTicker().boxes.length === 2 && api.costTicker().boxes.every((box) => box.basis === 'price-history' && box.savingsUsd !== undefined), 'both boxes priced from history', 30_000);
    // The ledger records the tracker's next figures; a refresh makes one now.
    await api.boxStore.refresh();
    await api.dashboard.ledger.flush();
    for (const box of [llama, mistral]) {
      const session = sessionOf(api.dashboard.ledger.sessions, box);
      assert.ok(session, `a session for ${box.name}`);
      assert.equal(session.end, undefined, 'still running');
      const history = await sandboxHistory(box, session.lastSeenAt);
      const expectedSpot = referenceCostUsd(box.launchTime!, session.lastSeenAt, history);
      const expectedOnDemand = (catalogOnDemand(box.region, box.instanceType) * referenceBilledSeconds(box.launchTime!, session.lastSeenAt)) / 3600;
      assert.ok(Math.abs((session.accruedUsd ?? NaN) - expectedSpot) < 5e-4, `${box.name}: ${session.accruedUsd} vs ${expectedSpot}`);
      assert.ok(Math.abs((session.onDemandEquivalentUsd ?? NaN) - expectedOnDemand) < 1e-6, `${box.name} on-demand: ${session.onDemandEquivalentUsd} vs ${expectedOnDemand}`);
    }
  });

  it('shows savings, interruptions by type and region, and the cost per epoch', async function () {
    const api = await activeApi();
    const { usage } = api.dashboard;
    usage.recordInterruption(llama.instanceId, 'rebalance', started - 150 * MINUTE);
    usage.recordInterruption(llama.instanceId, 'notice', started - 60 * MINUTE);
    usage.recordInterruption(llama.instanceId, 'notice', started - 60 * MINUTE);
    usage.recordInterruption(mistral.instanceId, 'hard', started - 10 * MINUTE);
    for (const epoch of [1, 2, 3, 4]) usage.recordEpoch(llama.instanceId, epoch, started - (100 - epoch * 20) * MINUTE);
    usage.recordEpoch(llama.instanceId, 4, started - 5 * MINUTE);
    await api.dashboard.ledger.flush();

    // Earlier tests' notifications would cover the dashboard in the screenshot.
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await runCommand('spotbox.openCostDashboard');
    await waitFor(() => (api.dashboard.panels.currentModel?.epochs.length ?? 0) > 0, 'the dashboard to receive the figures', 30_000);
    const model: DashboardModel = api.dashboard.panels.currentModel!;
    const llamaSession = sessionOf(api.dashboard.ledger.sessions, llama)!;

    // Scenarios that ran earlier in the suite (13-crossCloud's notice on a g4dn.xlarge, for one) left
    // interruptions of their own in the ledger: the dashboard counts them too, so they are the baseline.
    const ours = new Set([llama.instanceId, mistral.instanceId]);
    const others = api.dashboard.ledger.sessions.filter((session) => !ours.has(session.instanceId));
    // Boxes of other clouds earlier in the suite (11-gcp, 12-threeClouds) make the regions say their cloud.
    const awsRegion = (region: string): string => (model.byCloud.length > 1 ? `AWS ${region}` : region);
    const before = (rows: readonly InterruptionRow[], key: string): InterruptionRow | undefined => rows.find((row) => row.key === key);
    const othersByType = interruptionStats(others, (session) => session.instanceType);
    const othersByRegion = interruptionStats(others, (session) => (session.cloud === 'aws' ? awsRegion(session.region) : `${session.cloud} ${session.region}`));
    const counts = (row: InterruptionRow | undefined): number[] => [row?.notice ?? 0, row?.rebalance ?? 0, row?.hard ?? 0];
    const plus = (base: InterruptionRow | undefined, added: number[]): number[] => counts(base).map((value, index) => value + added[index]);

    const byType = new Map(model.interruptionsByType.map((row) => [row.key, row]));
    assert.deepEqual(counts(byType.get('g5.xlarge')), plus(before(othersByType, 'g5.xlarge'), [1, 1, 0]), 'the notice reported twice counts once');
    assert.deepEqual(counts(byType.get('g4dn.xlarge')), plus(before(othersByType, 'g4dn.xlarge'), [0, 0, 1]));
    const byRegion = new Map(model.interruptionsByRegion.map((row) => [row.key, row]));
    assert.equal(byRegion.get(awsRegion('us-east-1'))?.total, 2 + (before(othersByRegion, awsRegion('us-east-1'))?.total ?? 0), [...byRegion.keys()].join(', '));
    assert.equal(byRegion.get(awsRegion('us-west-2'))?.total, 1 + (before(othersByRegion, awsRegion('us-west-2'))?.total ?? 0));
    const epochs = model.epochs.find((row) => row.boxName === 'dash-llama');
    assert.equal(epochs?.epochs, 4, 'epoch 4 reported twice counts once');
    assert.ok(Math.abs((epochs?.spotPerEpochUsd ?? NaN) - (llamaSession.accruedUsd ?? NaN) / 4) < 1e-3);
    const row = model.boxes.find((candidate) => candidate.boxName === 'dash-llama');
    assert.ok(row && row.savingsUsd > 0 && row.running);
    assert.ok(model.totals.sessions >= 2);

    requireUiProbe(this, 'see the webview');
    let problems: string[] = ['not probed yet'];
    await probeUiUntil({ name: 'cost-dashboard', includeFrames: true, queries: WEBVIEW }, (response) => {
      problems = renderingProblems(response.found, api.dashboard.panels.currentModel!);
      return problems.length === 0;
    });
    assert.deepEqual(problems, [], 'the webview shows the figures it was sent');
  });

  it('warns once per box when its spot price passes the alert level, and shows the level', async function () {
    const api = await activeApi();
    const before = api.dashboard.alerts.raised.length;
    // Below any sandbox spot price: both running boxes cross it at once.
    await setAlertLevel(0.01);
    await waitFor(() => api.dashboard.alerts.raised.length >= before + 2, 'an alert per box', 10_000);
    const raised = api.dashboard.alerts.raised.slice(before);
    assert.deepEqual(raised.map((alert) => alert.boxName).sort(), ['dash-llama', 'dash-mistral']);
    assert.ok(raised.every((alert) => alert.usdPerHour > 0.01 && alert.thresholdUsdPerHour === 0.01));

    // Further price checks while still above the level stay quiet.
    await api.boxStore.refresh();
    await api.boxStore.refresh();
    assert.equal(api.dashboard.alerts.raised.length, before + 2);

    requireUiProbe(this, 'see the notification and the webview');
    const ui = await probeUiUntil(
      { name: 'cost-dashboard-price-alert', includeFrames: true, queries: { toasts: '.notifications-toasts .notification-toast', alert: '#alert-status' } },
      (response) => (response.found.toasts ?? []).some((toast) => toast.text.includes('dash-llama')) && (response.found.alert?.[0]?.text ?? '').startsWith('On'),
    );
    assert.ok((ui.found.toasts ?? []).some((toast) => /spot price of dash-llama \(g5\.xlarge in us-east-1b\) is now \$[\d.]+\/h, above your alert level of \$0\.01\/h/.test(toast.text)), (ui.found.toasts ?? []).map((t) => t.text).join(' | '));
    assert.match(ui.found.alert?.[0]?.text ?? '', /^On: .* above \$0\.010\/h/);

    // Clicking the alert line scrolls the lower half (cost per epoch, alert) into the screenshot.
    await vscode.commands.executeCommand('notifications.clearAll');
    const lower = await probeUiUntil(
      { name: 'cost-dashboard-epochs-and-alert', includeFrames: true, actions: [{ selector: '#alert-status', click: true }], queries: { epochsTable: '#epochs-table', epochsEmpty: '#epochs-empty', alert: '#alert-status' } },
      (response) => response.found.epochsTable?.[0]?.visible === true,
    );
    assert.equal(lower.error, undefined, lower.error);
    assert.equal(lower.found.epochsTable?.[0]?.visible, true);
    assert.equal(lower.found.epochsEmpty?.[0]?.visible, false, 'no "no epochs yet" note once epochs are reported');
  });
});
