import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { DescribeImagesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { Ec2ClientPool } from '../../src/core/aws/ec2ClientPool';
import { launchBox } from '../../src/core/launch/launcher';
import type { LaunchedBox } from '../../src/core/launch/launchTypes';
import { silentLogger } from '../../src/core/logging/logger';
import { activeApi, nextCommandRun, runCommandExpecting } from './extensionHarness';
import { expectUi, probeUi, requireUiProbe } from './uiProbe';

// Boxes are launched straight through the core launcher (the launch command arrives with its own
// UI); what is under test is the tree reconciled from the sandbox cloud, and terminating from it.
describe('Spot Boxes tree from the sandbox cloud', function () {
  this.timeout(180_000);
  const clients = new Ec2ClientPool();
  const launched: LaunchedBox[] = [];
  const keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-tree-keys-'));

  after(async () => {
    await vscode.workspace.getConfiguration('spotbox').update('regions', undefined, vscode.ConfigurationTarget.Global);
    for (const box of launched) {
      await new EC2Client({ region: box.region }).send(new TerminateInstancesCommand({ InstanceIds: [box.instanceId] })).catch(() => undefined);
    }
    clients.dispose();
    fs.rmSync(keyDirectory, { recursive: true, force: true });
  });

  it('shows boxes grouped by cloud, then region, with type, state and price', async function () {
    const api = await activeApi();
    await vscode.workspace.getConfiguration('spotbox').update('regions', ['us-east-1', 'eu-west-1'], vscode.ConfigurationTarget.Global);
    for (const [boxName, region] of [['llama-a', 'us-east-1'], ['llama-b', 'us-east-1'], ['mistral', 'eu-west-1']] as const) {
      const imageId = (await new EC2Client({ region }).send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images?.[0]?.ImageId ?? '';
      launched.push(
        await launchBox(
          clients,
          { boxName, region, pools: [{ instanceType: 'g5.xlarge' }, { instanceType: 'g4dn.xlarge' }], imageId, maxPricePerHour: 5, allocationStrategy: 'price-capacity-optimized', onDemandFallback: false, volumeGb: 100, sshCidr: '127.0.0.1/32', owner: api.ownerId, keyDirectory },
          { logger: silentLogger },
        ),
      );
    }
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    await api.boxStore.refresh();
    const deadline = Date.now() + 60_000;
    while (api.boxStore.boxes.filter((box) => box.state === 'running').length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await api.boxStore.refresh();
    }
    const boxes = api.boxStore.boxes;
    assert.deepEqual(boxes.map((box) => `${box.region}/${box.name}/${box.state}`).sort(), ['eu-west-1/mistral/running', 'us-east-1/llama-a/running', 'us-east-1/llama-b/running']);
    assert.ok(boxes.every((box) => box.lifecycle === 'spot' && (box.hourlyPriceUsd ?? 0) > 0), 'priced from live spot prices');
    assert.ok(api.costTicker().visible);
    requireUiProbe(this, 'see the tree rows');
    const ui = await expectUi(
      { name: 'tree-three-boxes-two-regions', queries: { rows: '.sidebar .monaco-list-row', statusBarItems: '.statusbar-item' } },
      (response) => (response.found.rows ?? []).length >= 6,
    );
    const rows = (ui.found.rows ?? []).map((row) => row.text.replace(/\s+/g, ' '));
    assert.ok(rows.some((row) => /^AWS\s*3 boxes · \$[\d.]+\/h/.test(row)), `the cloud group with its count and cost: ${rows.join(' | ')}`);
    assert.ok(rows.some((row) => row.startsWith('eu-west-1')) && rows.some((row) => row.startsWith('us-east-1')), rows.join(' | '));
    assert.ok(rows.some((row) => /^mistral\s*g\w+\.xlarge · \$[\d.]+\/h · running/.test(row)), rows.join(' | '));
    assert.ok((ui.found.statusBarItems ?? []).some((item) => item.text.includes('3 boxes')), 'the ticker counts the three boxes');
  });

  it('asks for a modal confirmation before terminating, and terminates nothing without it', async function () {
    const api = await activeApi();
    const target = api.boxStore.boxes.find((box) => box.name === 'mistral');
    assert.ok(target);
    // VS Code's test host refuses modal dialogs: showWarningMessage rejects with the dialog's text,
    // so the command fails with it, before terminating anything (a DOM dialog is never rendered).
    const run = await runCommandExpecting('failed', 'spotbox.terminateBox', { kind: 'box', box: target });
    assert.match(run.message ?? '', new RegExp(`^DialogService: refused to show dialog in tests\\. Contents: Terminate mistral \\(${target.instanceId}, g\\w+\\.xlarge in eu-west-1\\)\\?`));
    await api.boxStore.refresh();
    assert.equal(api.boxStore.boxes.find((box) => box.instanceId === target.instanceId)?.state, 'running');
    requireUiProbe(this, 'see the notification');
    const ui = await expectUi({ name: 'terminate-confirmation-asked', queries: { toasts: '.notifications-toasts .notification-toast' } }, (response) =>
      (response.found.toasts ?? []).some((toast) => toast.text.includes('Terminate mistral')),
    );
    assert.ok((ui.found.toasts ?? []).some((toast) => toast.text.includes(`Terminate mistral (${target.instanceId}`)), 'the confirmation names the box');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it("Terminate Box from the box row's context menu asks for the same confirmation", async function () {
    requireUiProbe(this, "open a tree row's context menu");
    const api = await activeApi();
    const target = api.boxStore.boxes.find((box) => box.name === 'mistral');
    assert.ok(target);
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const ran = nextCommandRun(api, 'spotbox.terminateBox');
    const menu = await probeUi({
      name: 'tree-context-menu-mistral',
      queries: { items: '.context-view .action-item .action-label' },
      actions: [{ selector: '.sidebar .monaco-list-row', hasText: '^mistral', rightClick: true }],
    });
    assert.equal(menu.error, undefined, menu.error);
    const items = (menu.found.items ?? []).filter((item) => item.visible).map((item) => item.text.trim());
    assert.ok(items.includes('Terminate Box') && items.includes('Open SSH Terminal'), `the running box's context menu: ${items.join(' | ')}`);
    const clicked = await probeUi({ name: 'tree-context-menu-terminate', queries: {}, actions: [{ selector: '.context-view .action-item .action-label', hasText: '^Terminate Box$', click: true }] });
    assert.equal(clicked.error, undefined, clicked.error);
    const run = await ran;
    assert.equal(run.outcome, 'failed', `the refused confirmation stops the command: ${run.outcome} ${run.message ?? ''}`);
    assert.match(run.message ?? '', /refused to show dialog in tests\. Contents: Terminate mistral \(/, 'the confirmation the menu item asked for');
    await expectUi({ name: 'terminate-confirmation-from-menu', queries: { toasts: '.notifications-toasts .notification-toast' } }, (response) =>
      (response.found.toasts ?? []).some((toast) => toast.text.includes(`Terminate mistral (${target.instanceId}`)),
    );
    await vscode.commands.executeCommand('notifications.clearAll');
    await api.boxStore.refresh();
    assert.equal(api.boxStore.boxes.find((box) => box.instanceId === target.instanceId)?.state, 'running');
  });
});
