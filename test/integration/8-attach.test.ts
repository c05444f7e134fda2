import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { Box } from '../../src/core/boxes/box';
import { activeApi, eventually, leaveSandboxLaunches, runCommand, sandboxControl, shell, useSandboxForLaunches } from './extensionHarness';
import { launchThroughCommand } from './launchThroughCommand';
import { expectUi, requireUiProbe } from './uiProbe';

const REGION = 'us-west-2';

describe('Attach, terminal, port forward and SSH command (against the sandbox cloud)', function () {
  this.timeout(240_000);
  const sshHome = process.env.SPOTBOX_SSH_HOME ?? '';
  const configFile = path.join(sshHome, 'spotbox', 'config');
  let box: Box | undefined;
  const node = (): { kind: 'box'; box: Box } => ({ kind: 'box', box: box! });
  const ssh = (command: string): Promise<string> => shell(`ssh -F ${configFile} -o BatchMode=yes -o ConnectTimeout=10 spotbox-e2e-attach '${command}'`);

  before(async function () {
    requireUiProbe(this, 'answer the launch pre-flight QuickPick');
    assert.ok(sshHome, 'the launcher sets SPOTBOX_SSH_HOME so the test never touches ~/.ssh');
    await useSandboxForLaunches([REGION]);
    box = await launchThroughCommand({ name: 'e2e-attach', regions: [REGION], instanceTypes: ['g4dn.xlarge'], maxPrice: 2, volumeGb: 100, workspaceDir: '~/project' });
    assert.equal(box.state, 'running');
  });

  after(async () => {
    if (box) {
      await new EC2Client({ region: REGION }).send(new TerminateInstancesCommand({ InstanceIds: [box.instanceId] })).catch(() => undefined);
    }
    await vscode.commands.executeCommand('workbench.action.terminal.killAll');
    await leaveSandboxLaunches();
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('attach writes the pinned SSH alias; without Remote-SSH it offers the terminal, and OpenSSH reaches the box', async () => {
    await runCommand('spotbox.attach', node());
    const config = fs.readFileSync(configFile, 'utf8');
    assert.match(config, /Host spotbox-e2e-attach\n {2}HostName 127\.0\.0\.\d+/);
    assert.match(config, /StrictHostKeyChecking yes/);
    assert.match(fs.readFileSync(path.join(sshHome, 'spotbox', 'known_hosts'), 'utf8'), /ssh-ed25519 /);
    assert.equal(fs.existsSync(path.join(sshHome, 'config')), false, "the user's own SSH config was not touched without consent");
    assert.match((await ssh('cd ~/project && pwd')).trim(), /\/project$/, 'the workspace folder exists on the box');
    const ui = await expectUi({ name: 'attach-without-remote-ssh', queries: { toasts: '.notifications-toasts .notification-toast' } }, (response) =>
      (response.found.toasts ?? []).some((toast) => toast.text.includes('spotbox-e2e-attach')),
    );
    const toast = (ui.found.toasts ?? []).find((candidate) => candidate.text.includes('spotbox-e2e-attach'))?.text ?? '';
    assert.match(toast, /Remote - SSH extension is not installed/);
    assert.match(toast, /Open Terminal/);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('opens the built-in terminal on the box and runs a command there', async () => {
    const terminal = (await runCommand<vscode.Terminal>('spotbox.openTerminal', node())).value;
    assert.ok(terminal, 'the command returns its terminal');
    assert.equal(terminal.name, 'Spotbox: e2e-attach');
    // Typed input goes through the Pseudoterminal to the remote shell.
    terminal.sendText('echo from-terminal-$((6*7)) > ~/terminal-proof.txt');
    const written = await eventually('the file written from the terminal', async () => {
      const text = (await ssh('cat ~/terminal-proof.txt 2>/dev/null || true')).trim();
      return text === '' ? undefined : text;
    });
    assert.equal(written, 'from-terminal-42');
    // The user sees the terminal by its name in the panel, and what was typed in it.
    const terminalNamed = (response: { found: Readonly<Record<string, readonly { text: string; ariaLabel: string | null; visible: boolean }[]>> }): boolean =>
      (response.found.terminalTabs ?? []).some((tab) => tab.visible && `${tab.text} ${tab.ariaLabel ?? ''}`.includes('Spotbox: e2e-attach'));
    const shown = await expectUi(
      { name: 'terminal-on-box', queries: { terminalTabs: '.terminal-tabs-entry, .single-terminal-tab, .panel .composite.title .action-label', screen: '.terminal-wrapper .xterm-rows, .terminal-wrapper .xterm-accessibility-tree' } },
      (response) => terminalNamed(response) && (response.found.screen ?? []).some((screen) => screen.text.includes('from-terminal-')),
    );
    assert.ok(terminalNamed(shown));

    // The box's sshd drops every connection (a network blip): the same terminal reconnects by itself.
    const dropped = (await sandboxControl('/faults/drop-ssh', { instanceId: box!.instanceId })) as { dropped: number };
    assert.ok(dropped.dropped >= 1, 'the terminal connection was among those dropped');
    const afterDrop = await eventually(
      'the terminal working again after the drop',
      async () => {
        // Retyped until the reconnected shell runs it: what was typed while the link was down may be lost.
        terminal.sendText('echo after-drop-$((6*7)) > ~/terminal-drop.txt');
        const text = (await ssh('cat ~/terminal-drop.txt 2>/dev/null || true')).trim();
        return text === '' ? undefined : text;
      },
      60_000,
      2_000,
    );
    assert.equal(afterDrop, 'after-drop-42');
    assert.ok(vscode.window.terminals.includes(terminal), 'the same terminal, not a new one');
  });

  it('forwards a port of the box to a local URL shown under the box, and copies the SSH command', async () => {
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    await ssh(`mkdir -p ~/web && echo forwarded-ok > ~/web/index.txt && cd ~/web && (setsid nohup python3 -m http.server ${port} --bind 127.0.0.1 < /dev/null > /dev/null 2>&1 & echo $! > ~/web/pid)`);
    const url = (await runCommand<string>('spotbox.forwardPort', node(), port)).value;
    assert.match(url ?? '', /^http:\/\/localhost:\d+\/$/);
    const body = await eventually('the forwarded server', async () => {
      const response = await fetch(`${url}index.txt`);
      return response.ok ? response.text() : undefined;
    });
    assert.equal(body.trim(), 'forwarded-ok');
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const ui = await expectUi({ name: 'tree-port-forward', queries: { rows: '.sidebar .monaco-list-row' } }, (response) =>
      (response.found.rows ?? []).some((row) => row.text.includes(url!)),
    );
    assert.ok((ui.found.rows ?? []).some((row) => row.text.includes(url!) && row.text.includes(`port ${port}`)), (ui.found.rows ?? []).map((row) => row.text).join(' | '));
    const command = (await runCommand<string>('spotbox.copySshCommand', node())).value;
    assert.equal(command, `ssh -F ${configFile} spotbox-e2e-attach`);
    assert.equal(await vscode.env.clipboard.readText(), command);
    await ssh('kill $(cat ~/web/pid)');
  });

  it('closes the forward and drops the alias once the box is terminated', async () => {
    const api = await activeApi();
    const url = (await runCommand<string>('spotbox.forwardPort', node(), 22)).value ?? '';
    await new EC2Client({ region: REGION }).send(new TerminateInstancesCommand({ InstanceIds: [box!.instanceId] }));
    await eventually('the box to leave the running state', async () => ((await api.boxStore.refresh()).some((candidate) => candidate.instanceId === box!.instanceId && candidate.state === 'running') ? undefined : true), 60_000);
    await eventually('the forward to close', async () => (await fetch(url).then(() => undefined, () => true)));
    await eventually('the alias to be dropped', async () => (/spotbox-e2e-attach/.test(fs.readFileSync(configFile, 'utf8')) ? undefined : true));
  });
});
