import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { activeApi, leaveSandboxLaunches, runCommandExpecting, useSandboxForLaunches } from './extensionHarness';
import { launchThroughCommand } from './launchThroughCommand';
import { requireUiProbe } from './uiProbe';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('Spotbox: Launch a Spot Box (against the sandbox cloud)', function () {
  this.timeout(180_000);
  const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;
  const profileUri = (): vscode.Uri => vscode.Uri.joinPath(folder(), '.spotbox', 'profile.json');
  const launchedIds: string[] = [];

  before(async () => {
    await useSandboxForLaunches(['us-west-2']);
  });

  after(async () => {
    for (const instanceId of launchedIds) {
      await new EC2Client({ region: 'us-west-2' }).send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })).catch(() => undefined);
    }
    await leaveSandboxLaunches();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reports a bad profile at its position in the Problems panel and creates nothing', async () => {
    const api = await activeApi();
    await vscode.workspace.fs.writeFile(profileUri(), encode('{\n  // a comment is fine\n  "name": "bad-box",\n  "regions": ["us-west-2", "mars-1"],\n  "gpu": "A10G",\n  "gpus": 1,\n  "maxPrice": -1\n}\n'));
    const run = await runCommandExpecting('failed', 'spotbox.launchBox');
    assert.match(run.message ?? '', /^\.spotbox\/profile\.json:\d+:\d+: .+ nothing was created\.$/, 'the refusal points at the problem and says nothing was created');
    const diagnostics = vscode.languages.getDiagnostics(profileUri());
    assert.ok(diagnostics.length >= 1, 'problems are listed');
    assert.ok(
      diagnostics.some((diagnostic) => diagnostic.range.start.line === 6 || diagnostic.range.start.line === 3),
      diagnostics.map((diagnostic) => `${diagnostic.range.start.line + 1}: ${diagnostic.message}`).join('\n'),
    );
    await api.boxStore.refresh();
    assert.deepEqual(api.boxStore.boxes.filter((box) => box.name === 'bad-box'), [], 'nothing was launched');
  });

  it('launches from the profile after the pre-flight pick, and the box shows in the tree', async function () {
    requireUiProbe(this, 'read and answer the pre-flight QuickPick');
    // The pre-flight's first row (cheapest region first) must be the launch in us-west-2; it is clicked.
    const box = await launchThroughCommand({ name: 'e2e-launch', regions: ['us-west-2'], gpu: 'A10G', gpus: 1, maxPrice: 2, image: 'dlami:pytorch', volumeGb: 100 }, {
      screenshotName: 'launch-preflight',
      checkPreflight: (rows) => assert.match(rows[0], /from \$[\d.]+\/h g5\.\w+ .*· guard \$2\/h.*Creates a key pair, a security group/, rows[0]),
    });
    launchedIds.push(box.instanceId);
    assert.equal(box.lifecycle, 'spot');
    assert.equal(box.region, 'us-west-2');
    assert.match(box.instanceType, /^g5\./);
  });
});
