import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { activeApi, leaveSandboxLaunches, sandboxControl, startCommand, useSandboxForLaunches } from './extensionHarness';
import { launchThroughCommand, preflightRow } from './launchThroughCommand';
import { expectUi, pickQuickPickRow, probeUi, requireUiProbe } from './uiProbe';

const REGION = 'us-west-2';
const TOASTS = '.notifications-toasts .notification-toast';

/** What the cloud holds for a box name: instances not terminated, key pairs, groups, templates. */
async function resourcesOf(ec2: EC2Client, boxName: string): Promise<string[]> {
  const prefix = `spotbox-${boxName}-`;
  const instances = ((await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:spotbox:box', Values: [boxName] }] }))).Reservations ?? [])
    .flatMap((reservation) => reservation.Instances ?? [])
    .filter((instance) => instance.State?.Name !== 'terminated')
    .map((instance) => `instance ${instance.InstanceId}`);
  const keyPairs = ((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? []).filter((key) => key.KeyName?.startsWith(prefix)).map((key) => `key pair ${key.KeyName}`);
  const groups = ((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).filter((group) => group.GroupName?.startsWith(prefix)).map((group) => `group ${group.GroupName}`);
  const templates = ((await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [])
    .filter((template) => template.LaunchTemplateName?.startsWith(prefix))
    .map((template) => `template ${template.LaunchTemplateName}`);
  return [...instances, ...keyPairs, ...groups, ...templates];
}

async function toastText(name: string, expected: RegExp): Promise<string> {
  const ui = await expectUi({ name, queries: { toasts: TOASTS } }, (response) => (response.found.toasts ?? []).some((toast) => expected.test(toast.text)), 20);
  return (ui.found.toasts ?? []).map((toast) => toast.text).find((text) => expected.test(text)) ?? (ui.found.toasts ?? []).map((toast) => toast.text).join(' | ');
}

describe('Launch faults through the command, as a user meets them (against the sandbox cloud)', function () {
  this.timeout(240_000);
  const ec2 = new EC2Client({ region: REGION });
  const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;
  const profileUri = (): vscode.Uri => vscode.Uri.joinPath(folder(), '.spotbox', 'profile.json');
  const launchedIds: string[] = [];

  before(async () => {
    await useSandboxForLaunches([REGION]);
  });

  afterEach(async () => {
    await sandboxControl('/faults/clear', {});
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  after(async () => {
    for (const instanceId of launchedIds) {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })).catch(() => undefined);
    }
    ec2.destroy();
    await leaveSandboxLaunches();
  });

  it('refuses a spot price above the guard with the price and the next step, and creates nothing', async function () {
    requireUiProbe(this, 'read and answer the pre-flight QuickPick');
    await vscode.workspace.fs.writeFile(profileUri(), new TextEncoder().encode(JSON.stringify({ name: 'e2e-guard', regions: [REGION], instanceTypes: ['g5.xlarge'], maxPrice: 0.01 })));
    const launching = startCommand('spotbox.launchBox');
    // The user sees the pool marked above the guard before choosing, and chooses it anyway.
    const rows = await pickQuickPickRow('launch-preflight-above-guard', preflightRow('e2e-guard', REGION), { first: true });
    assert.match(rows[0], /above the guard/, 'the pre-flight marks the pool above the guard before anything is chosen');
    const run = await launching;
    assert.equal(run.outcome, 'failed', `the launch is refused: ${run.outcome}`);
    assert.match(run.message ?? '', /^Spot in us-west-2 costs \$[\d.]+\/h, above the profile's \$0\.01\/h guard; nothing was created\. Raise maxPrice/);
    const text = await toastText('launch-refused-above-guard', /above the profile's \$0\.01\/h guard/);
    assert.match(text, /above the profile's \$0\.01\/h guard; nothing was created/);
    assert.match(text, /Raise maxPrice/);
    assert.deepEqual(await resourcesOf(ec2, 'e2e-guard'), []);
  });

  it('with no capacity in the first pool and a throttled API, the fleet takes another pool and says which one it skipped', async function () {
    requireUiProbe(this, 'read and answer the pre-flight QuickPick');
    // With lowest-price the fleet tries the cheaper g4dn.xlarge first (price-capacity-optimized
    // would pass over a dry pool without an error to report).
    await sandboxControl('/faults/capacity', { region: REGION, instanceType: 'g4dn.xlarge', count: 0 });
    await sandboxControl('/faults/throttle', { count: 2 });
    const box = await launchThroughCommand({ name: 'e2e-capacity', regions: [REGION], instanceTypes: ['g4dn.xlarge', 'g5.xlarge'], maxPrice: 3, allocationStrategy: 'lowest-price' });
    launchedIds.push(box.instanceId);
    assert.equal(box.instanceType, 'g5.xlarge', 'the pool with capacity');
    assert.equal(box.lifecycle, 'spot');
    const text = await toastText('launch-skipped-pools', /Launched e2e-capacity/);
    assert.match(text, /skipped \d+ pool\(s\): g4dn\.xlarge/, `the pools the fleet could not use are shown, not only logged: ${text}`);
  });

  it('a box that refuses the profile\'s sshUser is kept, and the message points at sshUser', async function () {
    requireUiProbe(this, 'read and answer the pre-flight QuickPick');
    const api = await activeApi();
    // The Deep Learning AMI logs in as ubuntu, as on AWS; ec2-user is Amazon Linux's user, wrong here.
    const box = await launchThroughCommand(
      { name: 'e2e-wrong-user', regions: [REGION], instanceTypes: ['g4dn.xlarge'], maxPrice: 3, sshUser: 'ec2-user' },
      { failsWith: /^e2e-wrong-user \(i-\w+\) is running, but preparing it failed: .*refused the box's key for the user "ec2-user"\..*launch again once "sshUser" is right\.$/ },
    );
    launchedIds.push(box.instanceId);
    assert.equal(box.state, 'running', 'the box is kept: it is usable once the user is fixed');
    assert.ok(api.boxStore.boxes.some((candidate) => candidate.instanceId === box.instanceId));
    // The error's toast, not the launch's progress toast, which a busy window may still be closing.
    const text = await toastText('launch-wrong-ssh-user', /e2e-wrong-user.*refused the box's key/);
    assert.match(text, /refused the box's key for the user "ec2-user"\. Check "sshUser" in \.spotbox\/profile\.json/, text);
    assert.match(text, /launch again once "sshUser" is right/, text);
  });

  it('cancelled from the progress notification midway: everything the launch created is rolled back', async function () {
    requireUiProbe(this, 'answer the pre-flight and click Cancel on the progress notification');
    const api = await activeApi();
    // Slow EC2 down so the launch is still creating resources when the user clicks Cancel.
    await sandboxControl('/faults/latency', { ms: 1_500, region: REGION });
    await vscode.workspace.fs.writeFile(profileUri(), new TextEncoder().encode(JSON.stringify({ name: 'e2e-cancel', regions: [REGION], instanceTypes: ['g4dn.xlarge'], maxPrice: 3 })));
    const launching = startCommand('spotbox.launchBox');
    await pickQuickPickRow('launch-cancel-preflight', preflightRow('e2e-cancel', REGION), { first: true });
    // Cancel as the user would, while the launch is creating its security group (the key pair exists by then).
    const clicked = await probeUi({ name: 'launch-cancel-click', queries: { toasts: TOASTS }, actions: [{ selector: `${TOASTS}:has-text("Creating security group") .monaco-button:has-text("Cancel")`, click: true }] }, 60_000);
    assert.equal(clicked.error, undefined, clicked.error);
    const run = await launching;
    assert.equal(run.outcome, 'cancelled', `the launch ends as cancelled by the user: ${run.outcome} ${run.message ?? ''}`);
    await sandboxControl('/faults/clear', {});
    const text = await toastText('launch-cancelled', /cancelled/);
    assert.match(text, /Launch of e2e-cancel cancelled; nothing it created was left behind/);
    assert.deepEqual(await resourcesOf(ec2, 'e2e-cancel'), []);
    await api.boxStore.refresh();
    assert.deepEqual(api.boxStore.boxes.filter((box) => box.name === 'e2e-cancel' && box.state !== 'terminated'), [], 'no box in the tree');
  });
});
