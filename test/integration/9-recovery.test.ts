import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Box } from '../../src/core/boxes/box';
import type { LineageRecord } from '../../src/core/recovery/recoveryTypes';
import { activeApi, endLineageLeftBehind, eventually, leaveSandboxLaunches, runCommand, sandboxControl, shell, useSandboxForLaunches } from './extensionHarness';
import { launchThroughCommand } from './launchThroughCommand';
import { expectUi, requireUiProbe } from './uiProbe';

const REGION = 'us-east-1';
/** The README's plain PyTorch recipe, run as a user's `python3 train.py` session (Debian's python3-torch on the boxes). */
const RECIPE = path.resolve(__dirname, '../../../examples/pytorch-loop/train.py');
/**
 * Where the recipe goes: into the window's workspace folder (test/fixtures/workspace), as a user
 * copies it into their project, so the launch uploads it to ~/workspace and the box starts it from
 * there. Never from this checkout's path, which the box's user (`ubuntu`) may not read. Removed
 * afterwards; the repository's .gitignore lists it in case a run is cut short.
 */
const WORKSPACE_TRAINER = path.resolve(__dirname, '../../../test/fixtures/workspace/train.py');

describe('Spot notice to resumed session, inside VS Code (against the sandbox cloud)', function () {
  this.timeout(300_000);
  const sshHome = process.env.SPOTBOX_SSH_HOME ?? '';
  const ssh = (command: string): Promise<string> => shell(`ssh -F ${sshHome}/spotbox/config -o BatchMode=yes -o ConnectTimeout=10 spotbox-e2e-resume '${command}'`);
  let first: Box | undefined;
  let record: LineageRecord | undefined;

  before(async () => {
    fs.copyFileSync(RECIPE, WORKSPACE_TRAINER);
    await useSandboxForLaunches([REGION]);
  });

  after(async () => {
    await endLineageLeftBehind(REGION, record?.lineage, first?.instanceId);
    await vscode.commands.executeCommand('workbench.action.terminal.killAll');
    await leaveSandboxLaunches();
    await vscode.commands.executeCommand('notifications.clearAll');
    fs.rmSync(WORKSPACE_TRAINER, { force: true });
  });

  it('launches with the agent, shows the notice with a countdown, and resumes a real PyTorch trainer on a replacement at the exact step', async function () {
    requireUiProbe(this, 'answer the launch pre-flight and see the notice and the summary');
    const api = await activeApi();
    first = await launchThroughCommand({
      name: 'e2e-resume',
      regions: [REGION],
      instanceTypes: ['g5.xlarge', 'g4dn.xlarge'],
      maxPrice: 3,
      volumeGb: 100,
      workspaceDir: '~/workspace',
      checkpoint: { bucket: 'spotbox-sandbox', prefix: 'vscode-e2e', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
      session: { command: `python3 ~/workspace/train.py --total-steps 100000 --step-seconds 0.05 >> ~/trainer.log 2>&1`, stepFile: '~/step' },
    });
    record = await api.lineages.findByInstance(first.instanceId);
    assert.ok(record, 'the launch recorded the lineage');
    assert.match(await ssh('cat ~/workspace/README.md'), /./, 'the local workspace was uploaded to the box');
    assert.equal(await ssh('sha256sum < ~/workspace/train.py'), await shell(`sha256sum < ${WORKSPACE_TRAINER}`), 'the trainer too');
    await eventually('the trainer stepping', async () => (Number(await ssh('(cut -d" " -f1 ~/step 2>/dev/null || echo 0)')) >= 20 ? true : undefined));
    const terminal = (await runCommand<vscode.Terminal>('spotbox.openTerminal', { kind: 'box', box: first })).value;
    assert.ok(terminal);

    const interruptedAt = Date.now();
    // 60 s: time for the window to raise the lineage's fleet and resume before the old box goes.
    await sandboxControl('/faults/interrupt', { instanceId: first.instanceId, leadSeconds: 60 });
    await eventually('the notice in the editor', async () => (api.notices.of(first!.instanceId)?.kind === 'interruption' ? true : undefined), 20_000, 100);
    const noticeVisibleMs = Date.now() - interruptedAt;
    assert.ok(noticeVisibleMs < 10_000, `notice visible after ${noticeVisibleMs} ms`);
    await vscode.commands.executeCommand('workbench.view.extension.spotbox');
    const ui = await expectUi(
      { name: 'notice-countdown', queries: { rows: '.sidebar .monaco-list-row', toasts: '.notifications-toasts .notification-toast' } },
      (response) => (response.found.rows ?? []).some((row) => /\d+:\d\d left/.test(row.text)),
    );
    assert.ok((ui.found.rows ?? []).some((row) => /e2e-resume.*⚠ \d+:\d\d left/.test(row.text.replace(/\s+/g, ' '))), (ui.found.rows ?? []).map((row) => row.text).join(' | '));
    assert.ok((ui.found.toasts ?? []).some((toast) => toast.text.includes('will be reclaimed')), 'the warning notification');

    const resumed = await eventually('the recovery to finish', async () => {
      const current = await api.lineages.get(record!.lineage);
      return current?.recovery?.phase === 'resumed' || current?.recovery?.phase === 'failed' ? current : undefined;
    }, 180_000, 1_000);
    const run = resumed.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    assert.notEqual(resumed.currentInstanceId, first.instanceId);
    const log = await eventually('the trainer on the replacement (through the repointed alias)', async () => {
      const text = await ssh('cat ~/trainer.log 2>/dev/null || true');
      return /resumed at step \d+/.test(text) ? text : undefined;
    });
    assert.match(log, new RegExp(`resumed at step ${run.checkpointStep}\\b`));
    assert.equal(await ssh('cat ~/workspace/README.md').then((text) => text.length > 0), true, 'the workspace came back with the checkpoint');
    assert.equal(await ssh('sha256sum < ~/workspace/train.py'), await shell(`sha256sum < ${WORKSPACE_TRAINER}`), 'the trainer the session resumed with came back with it');
    const summary = await expectUi({ name: 'resumed-summary', queries: { toasts: '.notifications-toasts .notification-toast' } }, (response) =>
      (response.found.toasts ?? []).some((toast) => toast.text.includes('is back on')),
    );
    const text = (summary.found.toasts ?? []).map((toast) => toast.text).find((toastText) => toastText.includes('is back on')) ?? '';
    assert.match(text, new RegExp(`\\(step ${run.checkpointStep}\\); 0 steps lost`), text);

    // The terminal opened on the first box reconnects to the replacement. Keystrokes typed while it
    // reconnects are dropped on purpose, so the line is typed again until it lands.
    await eventually(
      'the terminal to reach the replacement',
      async () => {
        terminal.sendText('echo reattached-$((40+2)) > ~/terminal-after-resume.txt');
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        return (await ssh('cat ~/terminal-after-resume.txt 2>/dev/null || true')).trim() === 'reattached-42' ? true : undefined;
      },
      90_000,
      1_000,
    );
  });
});
