import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { Ec2ClientPool } from '../../src/core/aws/ec2ClientPool';
import { createAzureClients } from '../../src/core/azure/azureClients';
import { terminateAzureBox } from '../../src/core/azure/azureTerminate';
import type { Box } from '../../src/core/boxes/box';
import type { CloudId } from '../../src/core/cloud/clouds';
import { createGcpClients } from '../../src/core/gcp/gcpClients';
import { terminateGceBox } from '../../src/core/gcp/gceTerminate';
import { AZURE_SWEEP_SCOPE, azureHygieneCloud } from '../../src/core/hygiene/azureHygieneCloud';
import { ec2HygieneCloud } from '../../src/core/hygiene/ec2HygieneCloud';
import { GCE_SWEEP_SCOPE, gceHygieneCloud } from '../../src/core/hygiene/gceHygieneCloud';
import { findOrphansInClouds } from '../../src/core/hygiene/sweepClouds';
import { activeApi, answerNextModal, eventually, leaveSandboxLaunches, nextCommandRun, startCommand, useSandboxForLaunches } from './extensionHarness';
import { preflightRow } from './launchThroughCommand';
import { expectUi, pickQuickPickRow, probeUi, requireUiProbe, runFromPalette, visibleRows } from './uiProbe';
import type { UiProbeResponse } from '../vscode/resultsProtocol';

const TREE_ROWS = '.sidebar .monaco-list-row';
const CONTEXT_MENU_ITEMS = '.context-view .action-item .action-label';
const GCP_CONFIGURATION = 'spotbox-sandbox';

interface CloudCase {
  readonly cloud: CloudId;
  /** The tree's group row for the cloud, and its region row. */
  readonly cloudRow: RegExp;
  readonly region: string;
  readonly profile: Record<string, unknown>;
  /** The pre-flight's launch row, as the QuickPick shows it. */
  readonly preflight: () => RegExp;
  readonly checkPreflight?: (row: string) => void;
}

const CASES: readonly CloudCase[] = [
  {
    cloud: 'aws',
    cloudRow: /^AWS\s*1 box/,
    region: 'us-east-1',
    profile: { name: 'three-aws', regions: ['us-east-1'], gpu: 'A10G', gpus: 1, maxPrice: 2, image: 'dlami:pytorch', volumeGb: 100 },
    preflight: () => preflightRow('three-aws', 'us-east-1'),
  },
  {
    cloud: 'gcp',
    cloudRow: /^Google Cloud\s*1 box/,
    region: 'us-central1',
    profile: { name: 'three-gcp', cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], maxPrice: 2, volumeGb: 50 },
    preflight: () => new RegExp(`^Launch "three-gcp" on Google Cloud \\(${GCP_CONFIGURATION}\\)`),
  },
  {
    cloud: 'azure',
    cloudRow: /^Azure\s*1 box/,
    region: 'eastus',
    profile: { name: 'three-azure', cloud: 'azure', regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], maxPrice: 2, volumeGb: 64 },
    preflight: () => new RegExp(`^Launch "three-azure" on Azure \\(subscription ${process.env.AZURE_SUBSCRIPTION_ID ?? ''}\\)`),
    // The calculator's price: live from the Retail Prices API, or the catalog's saying why (this machine cannot reach prices.azure.com).
    checkPreflight: (row) => {
      const source = /from \$[\d.]+\/h Standard_NC4as_T4_v3 in eastus \((Retail Prices API, live, [^)]+|catalog, \d{4}-\d{2})\)/.exec(row);
      assert.ok(source, `the Azure pre-flight names its price's source and age: ${row}`);
      if (source[1].startsWith('catalog')) assert.match(row, /Live Azure prices unavailable/, 'a catalog figure says why it is not live');
    },
  },
];
const NAMES = CASES.map((entry) => String(entry.profile.name));

const treeRows = (response: UiProbeResponse): string[] => visibleRows(response, 'rows');
const boxRow = (entry: CloudCase): RegExp => new RegExp(`^${String(entry.profile.name)}\\s*\\S+ · \\$[\\d.]+/h · running`);

/**
 * A user with all three clouds: the sandbox's AWS (its profile in the editor's environment), Google
 * Cloud (Choose GCP Project) and Azure (Choose Azure Subscription, with the sandbox's service
 * principal and test CA in the editor's environment). A plain box launched on each through the
 * palette, all three in the Spot Boxes tree at once, each terminated from its row's context menu,
 * and then nothing of them left in any cloud.
 */
describe('Three clouds in one tree (against the sandbox cloud)', function () {
  this.timeout(240_000);
  const keyDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-three-clouds-'));

  before(async () => {
    await useSandboxForLaunches(['us-east-1']);
  });

  after(async () => {
    const api = await activeApi();
    // What a failed test left: the core terminates it as the command would have.
    const left = (await api.boxStore.refresh().catch(() => [] as readonly Box[])).filter((box) => NAMES.includes(box.name));
    for (const box of left) {
      if (box.cloud === 'gcp') await terminateGceBox((await createGcpClients({ configuration: GCP_CONFIGURATION })).compute, box, { ownerId: api.ownerId, keyDirectory: api.keyDirectory }).catch(() => undefined);
      if (box.cloud === 'azure') await terminateAzureBox(createAzureClients(), box, { ownerId: api.ownerId, keyDirectory: api.keyDirectory }).catch(() => undefined);
      if (box.cloud === 'aws') await new EC2Client({ region: box.region }).send(new TerminateInstancesCommand({ InstanceIds: [box.instanceId] })).catch(() => undefined);
    }
    const settings = vscode.workspace.getConfiguration('spotbox');
    await settings.update('gcpConfiguration', undefined, vscode.ConfigurationTarget.Global);
    await settings.update('azureSubscription', undefined, vscode.ConfigurationTarget.Global);
    await leaveSandboxLaunches();
    await api.boxStore.refresh().catch(() => undefined);
    fs.rmSync(keyDirectory, { recursive: true, force: true });
  });

  it('connects Google Cloud and Azure from their Choose commands', async function () {
    requireUiProbe(this, 'answer the Choose QuickPicks');
    const gcp = startCommand('spotbox.chooseGcpProject');
    await pickQuickPickRow('three-clouds-gcp-configuration', new RegExp(`^${GCP_CONFIGURATION}`));
    const gcpRun = await gcp;
    assert.equal(gcpRun.outcome, 'ok', `spotbox.chooseGcpProject ended ${gcpRun.outcome}: ${gcpRun.message ?? ''}`);

    const azure = startCommand('spotbox.chooseAzureSubscription');
    const rows = await pickQuickPickRow('three-clouds-azure-subscription', /^Spotbox Sandbox/);
    assert.ok(rows.some((row) => row.includes(process.env.AZURE_SUBSCRIPTION_ID ?? '(no AZURE_SUBSCRIPTION_ID)')), `the sandbox's subscription is listed: ${rows.join(' | ')}`);
    const azureRun = await azure;
    assert.equal(azureRun.outcome, 'ok', `spotbox.chooseAzureSubscription ended ${azureRun.outcome}: ${azureRun.message ?? ''}`);
    assert.equal(vscode.workspace.getConfiguration('spotbox').get('azureSubscription'), process.env.AZURE_SUBSCRIPTION_ID);
  });

  it('launches a plain box on each cloud through the palette, and the tree shows all three with their cloud, region and state', async function () {
    requireUiProbe(this, 'run the palette, answer the pre-flights and read the tree');
    const api = await activeApi();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    for (const entry of CASES) {
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, '.spotbox', 'profile.json'), new TextEncoder().encode(JSON.stringify(entry.profile, null, 2)));
      const launched = nextCommandRun(api, 'spotbox.launchBox', 150_000);
      void launched.catch(() => undefined);
      await runFromPalette('Spotbox: Launch a Spot Box');
      const rows = await pickQuickPickRow(`three-clouds-preflight-${entry.cloud}`, entry.preflight(), { first: true });
      assert.match(rows[0], /from \$[\d.]+\/h .*guard \$2\/h/, `the ${entry.cloud} pre-flight shows a price and the guard: ${rows[0]}`);
      entry.checkPreflight?.(rows[0]);
      const run = await launched;
      assert.equal(run.outcome, 'ok', `launching on ${entry.cloud}: spotbox.launchBox ended ${run.outcome}: ${run.message ?? ''}`);
    }
    const boxes = await eventually('all three boxes running in the tree', async () => {
      const listed = (await api.boxStore.refresh()).filter((box) => NAMES.includes(box.name) && box.state === 'running');
      return listed.length === CASES.length ? listed : undefined;
    }, 90_000, 1_000);
    assert.deepEqual(boxes.map((box) => box.cloud).sort(), ['aws', 'azure', 'gcp']);

    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const ui = await expectUi({ name: 'three-clouds-tree', queries: { rows: TREE_ROWS } }, (response) => CASES.every((entry) => treeRows(response).some((row) => boxRow(entry).test(row))), 20);
    const shown = treeRows(ui);
    for (const entry of CASES) {
      // Cloud, then region, then the box: each box's row sits under its own cloud and region.
      const cloudAt = shown.findIndex((row) => entry.cloudRow.test(row));
      const regionAt = shown.findIndex((row, index) => index > cloudAt && new RegExp(`^${entry.region}\\s*1 box`).test(row));
      const boxAt = shown.findIndex((row) => boxRow(entry).test(row));
      assert.ok(cloudAt >= 0 && cloudAt < regionAt && regionAt < boxAt, `${entry.cloud}: cloud row, region row, box row in that order: ${shown.join(' | ')}`);
    }
  });

  it("terminates each box from its row's context menu, and leaves nothing of them in any cloud", async function () {
    requireUiProbe(this, "open the tree rows' context menus");
    const api = await activeApi();
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    for (const entry of CASES) {
      const name = String(entry.profile.name);
      const box = api.boxStore.boxes.find((candidate) => candidate.name === name);
      assert.ok(box, `${name} is in the tree`);
      const menu = await probeUi({ name: `three-clouds-menu-${entry.cloud}`, queries: { items: CONTEXT_MENU_ITEMS }, actions: [{ selector: TREE_ROWS, hasText: `^${name}`, rightClick: true }] });
      assert.equal(menu.error, undefined, menu.error);
      assert.ok(visibleRows(menu, 'items').includes('Terminate Box'), `${name}'s context menu: ${visibleRows(menu, 'items').join(' | ')}`);
      const terminated = nextCommandRun(api, 'spotbox.terminateBox', 150_000);
      void terminated.catch(() => undefined);
      const confirmed = answerNextModal(new RegExp(`^Terminate ${name} \\(${box.instanceId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, ${box.instanceType} in ${box.region}\\)\\?$`), 'Terminate');
      void confirmed.catch(() => undefined);
      const clicked = await probeUi({ name: `three-clouds-menu-${entry.cloud}-terminate`, queries: {}, actions: [{ selector: CONTEXT_MENU_ITEMS, hasText: '^Terminate Box$', click: true }] });
      assert.equal(clicked.error, undefined, clicked.error);
      const run = await terminated;
      assert.equal(run.outcome, 'ok', `terminating ${name}: spotbox.terminateBox ended ${run.outcome}: ${run.message ?? ''}`);
      const asked = await confirmed;
      assert.match(asked.detail ?? '', /disk is deleted with it/);
    }
    await eventually('the tree to have none of the three boxes', async () => ((await api.boxStore.refresh()).some((box) => NAMES.includes(box.name)) ? undefined : true), 120_000, 2_000);
    await expectUi({ name: 'three-clouds-tree-empty', queries: { rows: TREE_ROWS } }, (response) => !treeRows(response).some((row) => NAMES.some((name) => row.startsWith(name))));

    // Nothing of them left: the sweep's own view of each cloud finds no resource of these boxes.
    const ec2 = new Ec2ClientPool();
    try {
      const scan = await findOrphansInClouds(
        [
          { id: 'aws', cloud: ec2HygieneCloud(ec2), regions: ['us-east-1'], where: 'us-east-1' },
          { id: 'gcp', cloud: gceHygieneCloud(async () => (await createGcpClients({ configuration: GCP_CONFIGURATION })).compute, keyDirectory), regions: [GCE_SWEEP_SCOPE], where: GCP_CONFIGURATION },
          { id: 'azure', cloud: azureHygieneCloud(async () => createAzureClients(), keyDirectory), regions: [AZURE_SWEEP_SCOPE], where: 'Azure' },
        ],
        { ownerId: api.ownerId, graceMs: 0 },
      );
      assert.deepEqual(scan.problems, [], 'every cloud could be read');
      const ours = [...scan.orphans, ...scan.recent, ...scan.otherOwners].filter((orphan) => orphan.boxName !== undefined && NAMES.includes(orphan.boxName));
      assert.deepEqual(ours.map((orphan) => `${orphan.cloud ?? 'aws'} ${orphan.kind} ${orphan.id}`), [], 'nothing of the three boxes is left');
    } finally {
      ec2.dispose();
    }
  });
});
