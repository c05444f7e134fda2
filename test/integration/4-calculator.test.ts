import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CalculatorResult } from '../../src/core/calculator/calculatorModel';
import { activeApi, runCommand, waitFor } from './extensionHarness';
import { probeUi, probeUiUntil, requireUiProbe } from './uiProbe';

const percent = (value: number): string => `${value.toFixed(1)} %`;
const WEBVIEW = {
  savings: '#savings',
  spotCost: '#spot-cost',
  bestPool: '#best-pool',
  rows: '#pools-body tr',
  cloudRows: '#clouds-body tr',
  chart: '#cost-chart',
  status: '#status',
};

describe('Savings calculator webview (prices from the sandbox cloud)', function () {
  this.timeout(120_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens, estimates with live sandbox prices, and shows the result in the webview', async function () {
    const api = await activeApi();
    // Earlier tests opened the log panel; give the calculator the whole editor area, as a user would.
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await runCommand('spotbox.estimateSavings');
    await waitFor(() => api.calculator.panels.currentResult !== undefined, 'the first estimate', 60_000);
    const result = api.calculator.panels.currentResult!;
    assert.equal(result.inputs.gpuOrInstanceType, '8x H100');
    assert.ok(result.rows.length > 3, 'several pools ranked');
    assert.ok(result.rows.some((row) => row.priceAge.startsWith('live')), `live prices from the sandbox: ${result.rows.map((row) => row.priceAge).join(', ')}`);
    assert.ok(result.rows.every((row, index) => index === 0 || result.rows[index - 1].spotCost <= row.spotCost), 'ranked by expected cost');
    assert.ok(result.cards.savingsPercent > 0 && result.cards.savingsPercent < 100);
    requireUiProbe(this, 'see the webview');
    const ui = await probeUiUntil({ name: 'calculator-8x-h100', includeFrames: true, queries: WEBVIEW }, (response) => (response.found.savings?.[0]?.text ?? '') !== '');
    assert.equal(ui.found.savings?.[0]?.text, percent(result.cards.savingsPercent));
    assert.ok((ui.found.rows?.length ?? 0) >= 3, 'the ranked table is rendered');
    assert.ok(ui.found.chart?.[0]?.visible, 'the chart is visible');
    assert.match(ui.found.bestPool?.[0]?.text ?? '', new RegExp(result.cards.pool.instanceType.replace('.', '\\.')));
    // 8x H100 is offered on all three clouds: one row each, cheapest first, as the result says.
    assert.deepEqual(result.byCloud.map((row) => row.cloud).sort(), ['aws', 'azure', 'gcp']);
    assert.deepEqual(
      (ui.found.cloudRows ?? []).map((row) => row.text.split('\t').slice(0, 2).map((cell) => cell.trim())),
      result.byCloud.map((row) => [row.label, `${row.pool.instanceType} (${row.pool.gpu}) in ${row.pool.region}${row.pool.availabilityZone ? ` (${row.pool.availabilityZone})` : ''}`]),
    );
    assert.ok(ui.found.cloudRows?.every((row) => row.visible), 'the clouds table is shown');
  });

  it('re-estimates when the user changes the inputs in the webview', async function () {
    requireUiProbe(this, 'type into the webview');
    const api = await activeApi();
    const before: CalculatorResult = api.calculator.panels.currentResult!;
    const changed = await probeUi({
      name: 'calculator-type-1x-a10g',
      includeFrames: true,
      actions: [{ selector: 'input[name="gpuOrInstanceType"]', fill: '1x A10G' }, { selector: 'input[name="jobHours"]', fill: '40' }, { selector: 'button[type="submit"]', click: true }],
      queries: WEBVIEW,
    });
    assert.equal(changed.error, undefined, changed.error);
    await waitFor(() => api.calculator.panels.currentResult?.inputs.gpuOrInstanceType === '1x A10G' && api.calculator.panels.currentResult.inputs.jobHours === 40, 'the new estimate', 60_000);
    const after = api.calculator.panels.currentResult!;
    assert.notEqual(after.cards.spotCost, before.cards.spotCost);
    assert.ok(after.rows.every((row) => row.gpu.endsWith('A10G')), after.rows.map((row) => row.gpu).join(', '));
    const ui = await probeUiUntil(
      { name: 'calculator-1x-a10g', includeFrames: true, queries: WEBVIEW },
      (response) => response.found.savings?.[0]?.text === percent(after.cards.savingsPercent),
    );
    assert.equal(ui.found.savings?.[0]?.text, percent(after.cards.savingsPercent));
    assert.match(ui.found.bestPool?.[0]?.text ?? '', /A10G/);
  });

  it('names the field when the input is wrong', async function () {
    requireUiProbe(this, 'type into the webview');
    const ui = await probeUi({
      name: 'calculator-bad-gpu',
      includeFrames: true,
      actions: [{ selector: 'input[name="gpuOrInstanceType"]', fill: '3x Potato' }, { selector: 'button[type="submit"]', click: true }],
      queries: {},
    });
    assert.equal(ui.error, undefined, ui.error);
    const shown = await probeUiUntil({ name: 'calculator-bad-gpu-message', includeFrames: true, queries: { status: '#status', invalid: 'input[aria-invalid="true"]' } }, (response) =>
      /Unknown GPU model/.test(response.found.status?.[0]?.text ?? ''),
    );
    assert.match(shown.found.status?.[0]?.text ?? '', /Unknown GPU model "Potato"/);
    assert.equal(shown.found.invalid?.length, 1);
  });
});
