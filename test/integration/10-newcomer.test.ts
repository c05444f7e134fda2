import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { Box } from '../../src/core/boxes/box';
import { activeApi, eventually, nextCommandRun } from './extensionHarness';
import { expectUi, pickQuickPickRow, probeUi, QUICK_PICK_ROWS, requireUiProbe, visibleRows } from './uiProbe';
import type { UiProbeAction, UiProbeResponse } from '../vscode/resultsProtocol';

// Issue 11, "the demo on its defaults": what a newcomer does in the editor `npm run sandbox` opens.
// The runner gives this editor the same sandbox.environment (SPOTBOX_CHECK_IP_URL among it), and
// this suite adds nothing: no spotbox.* setting, no profile file. Everything is done through the
// rendered workbench, every prompt answered with what it offers.

const WORKBENCH = {
  activityBarEntry: '.activitybar .action-item .action-label[aria-label^="Spotbox"]',
  sidebarTitle: '.sidebar .composite.title .title-label',
  welcomeButtons: '.sidebar .welcome-view-content .monaco-button',
  treeRows: '.sidebar .monaco-list-row',
  contextMenuItems: '.context-view .action-item .action-label',
};
const QUICK_INPUT = {
  title: '.quick-input-widget .quick-input-title',
  message: '.quick-input-widget .quick-input-message',
  input: '.quick-input-widget .quick-input-box input',
  rows: QUICK_PICK_ROWS,
  focused: `${QUICK_PICK_ROWS}.focused`,
  checked: `${QUICK_PICK_ROWS}[aria-checked="true"]`,
};
const TOASTS = '.notifications-toasts .notification-toast';
const NOTIFICATION_CENTER = '.notifications-center .notification-list-item';
const TERMINAL = {
  screen: '.terminal-wrapper .xterm-rows',
  keyboard: '.terminal-wrapper .xterm-helper-textarea',
  tabs: '.terminal-tabs-entry, .single-terminal-tab, .panel .composite.title .action-label',
};
/** A prompt for the user's IP address (what launchBoxCommand asks when the check-IP service fails). */
const ASKS_FOR_IP = /\bIP\b|IPv4|public address/;
/** What a notification says when the box turned the login away, or anything else failed. */
const BAD_NOTIFICATION = /refused|Please login as|Permission denied|failed|could not|error/i;

const BOX_NAME = 'workspace'; // the wizard's default: the workspace folder's name (test/fixtures/workspace)
const DEFAULT_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1']; // spotbox.regions' default

const texts = (response: UiProbeResponse, key: string): string[] => visibleRows(response, key);
/** The terminal screen's text with its line breaks (visibleRows folds whitespace). */
const screenText = (response: UiProbeResponse): string => (response.found.screen ?? []).filter((element) => element.visible).map((element) => element.text).join('\n');
/** whoami's answer: the first non-blank line after the line that typed it. */
const WHOAMI_ANSWER = /whoami[ \t\u00a0]*\n\s*(\S+)/;

describe('A newcomer after npm run sandbox: the demo on its defaults', function () {
  this.timeout(300_000);
  const folder = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;
  const profileUri = (): vscode.Uri => vscode.Uri.joinPath(folder(), '.spotbox', 'profile.json');
  /** Every quick input title, prompt and placeholder the user was shown, for the no-IP-prompt check. */
  const shownPrompts: string[] = [];
  let earlierProfile: Uint8Array | undefined;
  let box: Box | undefined;
  /** The launch, once clicked: the after hook lets it end before terminating what it made. */
  let launch: Promise<unknown> | undefined;
  /** Why the editor might not use the sandbox's check-IP service, for a failure message. */
  const checkIpDiagnosis = (): string => {
    const inspected = vscode.workspace.getConfiguration('spotbox').inspect<string>('checkIpUrl');
    return `SPOTBOX_CHECK_IP_URL=${process.env.SPOTBOX_CHECK_IP_URL ?? '(unset)'}; spotbox.checkIpUrl reads ${JSON.stringify(vscode.workspace.getConfiguration('spotbox').get('checkIpUrl'))} (contributed default ${JSON.stringify(inspected?.defaultValue)}, user value ${JSON.stringify(inspected?.globalValue)})`;
  };

  /** Waits until the quick input shows a title matching `title`; records what it shows. */
  async function quickInput(name: string, title: RegExp): Promise<UiProbeResponse> {
    const prompts = (response: UiProbeResponse): string[] => [...texts(response, 'title'), ...texts(response, 'message'), ...(response.found.input ?? []).filter((input) => input.visible).map((input) => input.ariaLabel ?? '')];
    // Stops waiting at an IP prompt too, to fail on it by name.
    const shown = await expectUi({ name, queries: QUICK_INPUT }, (response) => texts(response, 'title').some((text) => title.test(text)) || prompts(response).some((text) => ASKS_FOR_IP.test(text)), 40);
    shownPrompts.push(...prompts(shown));
    const asked = prompts(shown).filter((text) => ASKS_FOR_IP.test(text));
    assert.deepEqual(asked, [], `${name}: the user was asked for an IP address (screenshot ${shown.screenshot}); ${checkIpDiagnosis()}`);
    return shown;
  }

  /** Enter in the quick input's field: takes the input box's value, the focused row, or the ticked rows. */
  async function acceptDefault(name: string): Promise<void> {
    const accepted = await probeUi({ name, queries: {}, actions: [{ selector: QUICK_INPUT.input, press: 'Enter' }] });
    assert.equal(accepted.error, undefined, `${name}: ${accepted.error}`);
  }

  before(async function () {
    requireUiProbe(this, 'click through the sidebar, the wizard, the pre-flight and the terminal');
    // The editor's environment is `npm run sandbox`'s: it names the sandbox's check-IP service.
    assert.ok(process.env.SPOTBOX_CHECK_IP_URL, `SPOTBOX_CHECK_IP_URL is not in the extension host's environment (SPOTBOX_TEST_CHECKIP_URL=${process.env.SPOTBOX_TEST_CHECKIP_URL}, AWS_PROFILE=${process.env.AWS_PROFILE}, AWS_CONFIG_FILE=${process.env.AWS_CONFIG_FILE})`);
    // The demo on its defaults: no suite before this one may have left a Spotbox setting behind.
    const configuration = vscode.workspace.getConfiguration('spotbox');
    for (const key of ['regions', 'checkIpUrl', 'awsProfile']) {
      const inspected = configuration.inspect(key);
      assert.deepEqual([inspected?.globalValue, inspected?.workspaceValue, inspected?.workspaceFolderValue], [undefined, undefined, undefined], `spotbox.${key} is set: this is not the newcomer's editor`);
    }
    // A newcomer's workspace has no launch profile: set aside one an earlier run may have left.
    earlierProfile = await vscode.workspace.fs.readFile(profileUri()).then(
      (bytes) => bytes,
      () => undefined,
    );
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), '.spotbox'), { recursive: true }).then(undefined, () => undefined);
  });

  after(async () => {
    const api = await activeApi();
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('workbench.action.terminal.killAll');
    // A test that failed mid-launch: the launch goes on in the background until its box runs.
    await Promise.race([launch?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 120_000))]);
    const ours = [...(box ? [box] : []), ...(await api.boxStore.refresh()).filter((candidate) => candidate.name === BOX_NAME && candidate.instanceId !== box?.instanceId)];
    for (const mine of ours) {
      const ec2 = new EC2Client({ region: mine.region });
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [mine.instanceId] })).catch(() => undefined);
      ec2.destroy();
    }
    if (ours.length > 0) {
      // Later suites (the sidebar's welcome view) start from an empty tree.
      const ids = new Set(ours.map((mine) => mine.instanceId));
      await eventually(`${BOX_NAME} to leave the tree`, async () => ((await api.boxStore.refresh()).some((candidate) => ids.has(candidate.instanceId)) ? undefined : true), 120_000, 2_000).catch(() => undefined);
    }
    // The fixture workspace ships without a profile; the other suites write theirs and delete .spotbox.
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), '.spotbox'), { recursive: true }).then(undefined, () => undefined);
    if (earlierProfile) {
      await vscode.workspace.fs.writeFile(profileUri(), earlierProfile);
    }
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('clicks Launch a Spot Box, takes every default of the wizard and the pre-flight, and runs whoami as ubuntu in a terminal on the box', async () => {
    // 1. The Spotbox activity-bar entry, as a user finds it.
    const before = await probeUi({ name: 'newcomer-1-workbench', queries: WORKBENCH });
    if (!texts(before, 'sidebarTitle').some((title) => /spotbox/i.test(title))) {
      const opened = await probeUi({ name: 'newcomer-1-open-sidebar', queries: {}, actions: [{ selector: WORKBENCH.activityBarEntry, click: true }] });
      assert.equal(opened.error, undefined, opened.error);
    }
    const welcome = await expectUi({ name: 'newcomer-2-welcome', queries: WORKBENCH }, (response) => texts(response, 'welcomeButtons').includes('Launch a Spot Box'), 40);
    assert.ok(texts(welcome, 'sidebarTitle').some((title) => /spotbox/i.test(title)), `sidebar title: ${texts(welcome, 'sidebarTitle').join(' | ')}`);

    // 2. The welcome view's button.
    const api = await activeApi();
    await api.boxStore.refresh();
    assert.deepEqual(api.boxStore.boxes.map((candidate) => candidate.name), [], 'the newcomer has no box yet');
    const launched = nextCommandRun(api, 'spotbox.launchBox', 280_000);
    launch = launched;
    let settled = false;
    // Also keeps a launch that never starts (a failure before the click) from rejecting unhandled.
    void launched.then(undefined, () => undefined).finally(() => (settled = true));
    const clicked = await probeUi({ name: 'newcomer-3-click-launch', queries: {}, actions: [{ selector: WORKBENCH.welcomeButtons, hasText: '^Launch a Spot Box$', click: true }] });
    assert.equal(clicked.error, undefined, clicked.error);

    // 3. No profile yet: the offer to create one, taken.
    await quickInput('newcomer-4-no-profile-offer', /no launch profile/);
    await pickQuickPickRow('newcomer-4-no-profile-offer-rows', /Create a launch profile step by step/, { first: true });

    // 4. The wizard, each step accepted as it opens (Enter).
    const name = await quickInput('newcomer-5-wizard-name', /^New launch profile: box name \(1\/9\)$/);
    assert.match(texts(name, 'message').join(' '), /Names the box/);
    await acceptDefault('newcomer-5-wizard-name-accepted');

    const regions = await quickInput('newcomer-6-wizard-regions', /^New launch profile: regions \(2\/9\)$/);
    const ticked = texts(regions, 'checked').map((row) => /^[a-z]{2}-[a-z]+-\d+/.exec(row)?.[0] ?? row);
    assert.deepEqual(ticked, DEFAULT_REGIONS, `the regions ticked at first are spotbox.regions' default; rows: ${texts(regions, 'rows').join(' | ')}`);
    await acceptDefault('newcomer-6-wizard-regions-accepted');

    const gpus = await quickInput('newcomer-7-wizard-gpus', /^New launch profile: GPUs \(3\/9\)$/);
    assert.match(texts(gpus, 'focused')[0] ?? '', /^1x A10G ?from \$[\d.]+\/h on-demand \(g5\./, `the focused GPU need; rows: ${texts(gpus, 'rows').join(' | ')}`);
    await acceptDefault('newcomer-7-wizard-gpus-accepted');

    const price = await quickInput('newcomer-8-wizard-max-price', /^New launch profile: max price \(USD per hour\) \(4\/9\)$/);
    assert.match(texts(price, 'message').join(' '), /Suggested: /);
    await acceptDefault('newcomer-8-wizard-max-price-accepted');

    const image = await quickInput('newcomer-9-wizard-image', /^New launch profile: image \(5\/9\)$/);
    assert.match(texts(image, 'focused')[0] ?? '', /^dlami:pytorch/, `the focused image; rows: ${texts(image, 'rows').join(' | ')}`);
    await acceptDefault('newcomer-9-wizard-image-accepted');

    const sshUser = await quickInput('newcomer-10-wizard-ssh-user', /^New launch profile: SSH user \(6\/9\)$/);
    assert.match(texts(sshUser, 'message').join(' '), /ubuntu on the Deep Learning AMIs/);
    await acceptDefault('newcomer-10-wizard-ssh-user-accepted');

    await quickInput('newcomer-11-wizard-workspace-folder', /^New launch profile: workspace folder on the box \(7\/9\)$/);
    await acceptDefault('newcomer-11-wizard-workspace-folder-accepted');

    await quickInput('newcomer-12-wizard-checkpoint-bucket', /^New launch profile: checkpoint bucket \(optional\) \(8\/9\)$/);
    await acceptDefault('newcomer-12-wizard-checkpoint-bucket-accepted');

    // The review shows the file to be written: the defaults taken above, read off the screen.
    const review = await quickInput('newcomer-13-wizard-review', /^New launch profile: review \.spotbox\/profile\.json \(9\/9\)$/);
    const write = texts(review, 'focused')[0] ?? '';
    assert.match(write, /Write \.spotbox\/profile\.json/, `the focused review row; rows: ${texts(review, 'rows').join(' | ')}`);
    for (const field of [`"name": "${BOX_NAME}"`, `"regions": [ ${DEFAULT_REGIONS.map((region) => `"${region}"`).join(', ')} ]`, '"gpu": "A10G"', '"gpus": 1', '"image": "dlami:pytorch"', '"sshUser": "ubuntu"', '"workspaceDir": "~/workspace"']) {
      assert.ok(write.includes(field), `the review's file text has ${field}: ${write}`);
    }
    assert.match(write, /"maxPrice": [\d.]+/);
    assert.doesNotMatch(write, /"checkpoint"/, 'no bucket was given');
    await acceptDefault('newcomer-13-wizard-review-accepted');

    // 5. The pre-flight: its first row (cheapest region) is the launch, in one of the default regions.
    const preflight = await quickInput('newcomer-14-preflight', new RegExp(`^Launch ${BOX_NAME}: pre-flight$`));
    const rows = texts(preflight, 'rows');
    assert.match(rows[0] ?? '', new RegExp(`^Launch "${BOX_NAME}" in (${DEFAULT_REGIONS.join('|')})from \\$[\\d.]+/h g\\w+\\.\\w+ in [a-z0-9-]+ \\(.+\\) · guard \\$[\\d.]+/h`), `the first pre-flight row: ${rows.join(' | ')}`);
    for (const row of rows.filter((text) => text.startsWith('Launch'))) {
      assert.doesNotMatch(row, /no spot price found|above the guard/, `a pre-flight row: ${row}`);
    }
    assert.match(rows[0], /Creates a key pair, a security group \(SSH from \d+\.\d+\.\d+\.\d+\/32 only\)/, 'SSH opened to the address the check-IP service answered');
    const region = /^Launch "[^"]+" in ([a-z]{2}-[a-z]+-\d+)/.exec(rows[0])![1];
    await pickQuickPickRow('newcomer-14-preflight-rows', new RegExp(`^Launch "${BOX_NAME}" in ${region}`), { first: true });

    // 6. The launch runs to its end; meanwhile nothing asks for an IP and no error shows.
    while (!settled) {
      const progress = await probeUi({ name: 'newcomer-15-launching', queries: { ...QUICK_INPUT, toasts: TOASTS } });
      const prompts = [...texts(progress, 'title'), ...texts(progress, 'message')];
      assert.equal(prompts.find((text) => ASKS_FOR_IP.test(text)), undefined, `the launch asked: ${prompts.join(' | ')} (screenshot ${progress.screenshot})`);
      const bad = texts(progress, 'toasts').find((text) => BAD_NOTIFICATION.test(text));
      assert.equal(bad, undefined, `a notification during the launch: ${bad} (screenshot ${progress.screenshot})`);
      await Promise.race([launched.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    }
    const outcome = await launched;
    assert.equal(outcome.outcome, 'ok', `spotbox.launchBox ended ${outcome.outcome}: ${outcome.message ?? ''}`);
    const done = await expectUi({ name: 'newcomer-16-launched', queries: { toasts: TOASTS } }, (response) => texts(response, 'toasts').some((text) => text.includes(`Launched ${BOX_NAME}:`)), 20);
    const launchedToast = texts(done, 'toasts').find((text) => text.includes(`Launched ${BOX_NAME}:`)) ?? '';
    assert.match(launchedToast, new RegExp(`Launched ${BOX_NAME}: i-[0-9a-f]+ \\(g\\w+\\.\\w+, spot\\) in ${region}[a-z]\\.`));
    box = await eventually(`${BOX_NAME} running in the store`, async () => (await api.boxStore.refresh()).find((candidate) => candidate.name === BOX_NAME && candidate.state === 'running'));
    assert.equal(box.region, region);
    assert.equal(box.lifecycle, 'spot');

    // 7. The box is running in the tree.
    const tree = await expectUi({ name: 'newcomer-17-tree-running', queries: { rows: WORKBENCH.treeRows } }, (response) =>
      texts(response, 'rows').some((row) => new RegExp(`^${BOX_NAME} ?g\\w+\\.\\w+ · \\$[\\d.]+/h · running`).test(row)),
    );
    assert.ok(texts(tree, 'rows').some((row) => row.startsWith(region)), `the region group: ${texts(tree, 'rows').join(' | ')}`);

    // 8. A terminal from the box row's context menu.
    const opened = nextCommandRun(api, 'spotbox.openTerminal', 90_000);
    void opened.catch(() => undefined);
    const menu = await probeUi({ name: 'newcomer-18-context-menu', queries: { items: WORKBENCH.contextMenuItems }, actions: [{ selector: WORKBENCH.treeRows, hasText: `^${BOX_NAME}`, rightClick: true }] });
    assert.equal(menu.error, undefined, menu.error);
    assert.ok(texts(menu, 'items').includes('Open SSH Terminal'), `the box's context menu: ${texts(menu, 'items').join(' | ')}`);
    const chosen = await probeUi({ name: 'newcomer-18-context-menu-open-terminal', queries: {}, actions: [{ selector: WORKBENCH.contextMenuItems, hasText: '^Open SSH Terminal$', click: true }] });
    assert.equal(chosen.error, undefined, chosen.error);
    const terminalRun = await opened;
    assert.equal(terminalRun.outcome, 'ok', `spotbox.openTerminal ended ${terminalRun.outcome}: ${terminalRun.message ?? ''}`);

    // 9. Typed into the terminal key by key, as a user types: whoami answers the image's login user.
    await expectUi({ name: 'newcomer-19-terminal-open', queries: { tabs: TERMINAL.tabs, screen: TERMINAL.screen } }, (response) =>
      (response.found.tabs ?? []).some((tab) => tab.visible && `${tab.text} ${tab.ariaLabel ?? ''}`.includes(`Spotbox: ${BOX_NAME}`)) &&
        // The shell's prompt, past the "[spotbox] Connecting…" line.
        screenText(response).split('\n').some((line) => line.trim() !== '' && !line.includes('[spotbox]')),
    40);
    const keys: UiProbeAction[] = [...'whoami', 'Enter'].map((key) => ({ selector: TERMINAL.keyboard, press: key }));
    const typed = await probeUi({ name: 'newcomer-20-typed-whoami', queries: {}, actions: keys });
    assert.equal(typed.error, undefined, typed.error);
    const answered = await expectUi({ name: 'newcomer-21-whoami-answered', queries: { screen: TERMINAL.screen } }, (response) => WHOAMI_ANSWER.test(screenText(response)), 40);
    const screen = screenText(answered);
    const answer = WHOAMI_ANSWER.exec(screen)?.[1];
    assert.equal(answer, 'ubuntu', `whoami answered on the terminal screen:\n${screen}`);
    assert.doesNotMatch(screen, /Please login as the user/);

    // 10. Nothing asked for an IP address, and no notification of the whole session said something failed.
    assert.equal(shownPrompts.find((text) => ASKS_FOR_IP.test(text)), undefined);
    await vscode.commands.executeCommand('notifications.showList');
    const center = await probeUi({ name: 'newcomer-22-notifications', queries: { items: NOTIFICATION_CENTER } });
    const notifications = texts(center, 'items');
    assert.equal(notifications.find((text) => BAD_NOTIFICATION.test(text) || ASKS_FOR_IP.test(text)), undefined, `notifications: ${notifications.join(' | ')}`);
    assert.ok(notifications.some((text) => text.includes(`Launched ${BOX_NAME}:`)), `the notification center lists the launch: ${notifications.join(' | ')}`);
    await vscode.commands.executeCommand('notifications.hideList');
  });
});
