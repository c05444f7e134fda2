import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DeleteFleetsCommand, DescribeFleetInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { readAgentSource } from '../../src/core/agent/agentSource';
import { assembleAgentForTests } from '../assembledAgent';
import { resolveBoxEndpoint } from '../../src/core/attach/boxEndpoint';
import { connectEndpoint } from '../../src/core/attach/connectEndpoint';
import { Ec2ClientPool } from '../../src/core/aws/ec2ClientPool';
import { Ec2SpotPrices } from '../../src/core/aws/ec2SpotPrices';
import type { Box } from '../../src/core/boxes/box';
import { Ec2BoxSource } from '../../src/core/boxes/ec2BoxSource';
import { silentLogger } from '../../src/core/logging/logger';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../../src/core/profile/profileTypes';
import { launchFromProfile } from '../../src/core/profileLaunch/launchFromProfile';
import { bootRestoreEvents, bootRestoreOutcome } from '../../src/core/recovery/bootRestoreJournal';
import type { LineageRecord } from '../../src/core/recovery/recoveryTypes';
import { runRemoteCommand } from '../../src/core/ssh/runRemoteCommand';
import { activeApi, eventually, leaveSandboxLaunches, runCommand, sandboxControl, useSandboxForLaunches } from './extensionHarness';
import { expectUi, QUICK_PICK_ROWS, requireUiProbe } from './uiProbe';

const SEEN_REGION = 'us-east-1';
/** Where the lineage runs while "no window is open": a region this window does not look at yet. */
const UNSEEN_REGION = 'eu-west-1';
const REPO = path.resolve(__dirname, '../../..');

/**
 * Issue 12: a box replaced by its fleet and resumed by itself while no window watched. The lineage
 * is launched through the one launch pipeline, as another window of this installation would (same
 * lineage store, same keys), in a region this window does not scan: it sees nothing of the notice,
 * the reclaim or the restore. Then the window starts looking there, as a window opened the next
 * morning does, and must show what happened.
 */
describe('A window opened after a headless recovery shows what happened (inside VS Code, sandbox cloud)', function () {
  this.timeout(400_000);
  const clients = new Ec2ClientPool();
  const ec2 = new EC2Client({ region: UNSEEN_REGION });
  let record: LineageRecord | undefined;
  let workspace: string;

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-unwatched-'));
    fs.copyFileSync(path.join(REPO, 'examples', 'pytorch-loop', 'train.py'), path.join(workspace, 'train.py'));
    await useSandboxForLaunches([SEEN_REGION]);
  });

  after(async () => {
    const api = await activeApi();
    if (record) {
      await api.lineages.update(record.lineage, (current) => ({ ...current, ended: true }));
      if (record.fleetId) {
        await ec2.send(new DeleteFleetsCommand({ FleetIds: [record.fleetId], TerminateInstances: true })).catch(() => undefined);
      }
    }
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await leaveSandboxLaunches();
    await vscode.commands.executeCommand('notifications.clearAll');
    clients.dispose();
    ec2.destroy();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  async function onBox(box: Box, command: string): Promise<string> {
    const api = await activeApi();
    const client = await connectEndpoint(await resolveBoxEndpoint(clients, box, { keyDirectory: api.keyDirectory, defaultUser: 'ubuntu' }), { retries: 6 });
    try {
      return (await runRemoteCommand(client, command)).stdout.trim();
    } finally {
      client.end();
    }
  }

  it('finds the fleet\'s replacement, records the notice, checkpoint and restore from the boxes\' own word, and shows the timeline', async function () {
    requireUiProbe(this, 'see the recovery timeline');
    const api = await activeApi();
    const source = new Ec2BoxSource(clients, () => [UNSEEN_REGION], new Ec2SpotPrices({ clients }));
    const profile: SpotboxProfile = {
      ...PROFILE_DEFAULTS,
      name: 'e2e-unwatched',
      regions: [UNSEEN_REGION],
      instanceTypes: ['g5.xlarge', 'g4dn.xlarge'],
      maxPrice: 3,
      image: 'dlami:pytorch',
      volumeGb: 100,
      checkpoint: { bucket: 'spotbox-sandbox', prefix: 'vscode-unwatched', directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
      session: { command: 'python3 ~/workspace/train.py --total-steps 100000 --step-seconds 0.05 >> ~/trainer.log 2>&1', stepFile: '~/step' },
    };
    const launched = await launchFromProfile(
      profile,
      { pools: { region: UNSEEN_REGION, instanceTypes: [...profile.instanceTypes!] }, callerCidr: '127.0.0.1/32', keyDirectory: api.keyDirectory, owner: api.ownerId, localRoot: workspace },
      {
        clients,
        agentSource: () => {
          assembleAgentForTests();
          return readAgentSource(REPO);
        },
        lineages: api.lineages,
        listBoxes: () => source.listBoxes(),
        endpointOf: (box, { signal, onWaiting }) => resolveBoxEndpoint(clients, box, { keyDirectory: api.keyDirectory, defaultUser: 'ubuntu', onWaiting, ...(signal ? { signal } : {}) }),
      },
      { logger: silentLogger, pollMs: 300 },
    );
    record = launched.lineage;
    assert.ok(record?.fleetId, 'a profile with a checkpoint and a session is kept by a fleet');
    await eventually('the trainer stepping', async () => (Number(await onBox(launched.box, '(cut -d" " -f1 ~/step 2>/dev/null || echo 0)')) >= 30 ? true : undefined), 120_000, 500);

    // The night: a notice, the reclaim, the fleet's replacement restoring itself. No window looks.
    await sandboxControl('/faults/interrupt', { instanceId: launched.box.instanceId, leadSeconds: 20 });
    const replacementId = await eventually('the fleet\'s replacement', async () => {
      const output = await ec2.send(new DescribeFleetInstancesCommand({ FleetId: record!.fleetId! }));
      return (output.ActiveInstances ?? []).map((instance) => instance.InstanceId!).find((id) => id !== launched.box.instanceId);
    }, 120_000, 1_000);
    const replacement = await eventually('the replacement running', async () => (await source.listBoxes()).find((box) => box.instanceId === replacementId && box.state === 'running'), 60_000, 500);
    const boot = await eventually('the replacement to resume by itself', async () => bootRestoreOutcome(bootRestoreEvents(await onBox(replacement, 'cat ~/.spotbox/journal.jsonl'))), 120_000, 1_000);
    assert.equal(boot.phase, 'resumed', boot.error);
    assert.equal((await api.lineages.get(record.lineage))?.recovery, undefined, 'this window saw none of it');

    // The morning: the window looks at that region.
    await vscode.workspace.getConfiguration('spotbox').update('regions', [SEEN_REGION, UNSEEN_REGION], vscode.ConfigurationTarget.Global);
    await runCommand('spotbox.refresh');
    const followed = await eventually('the window to follow what happened', async () => {
      const current = await api.lineages.get(record!.lineage);
      return current?.recovery?.phase === 'resumed' || current?.recovery?.phase === 'failed' ? current : undefined;
    }, 120_000, 1_000);
    const run = followed.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    assert.equal(run.unwatched, true);
    assert.equal(run.trigger, 'notice', 'the old box\'s handoff says it had a notice');
    assert.equal(followed.currentInstanceId, replacementId, 'the lineage is on the fleet\'s box; the window launched none');
    assert.equal(run.resumedStep, boot.step);
    // The box's own journal time (a window that looks soon after would be within seconds of it, so "long ago" proves nothing).
    assert.ok(boot.resumedAt !== undefined && Math.abs(run.timeline.resumed! - boot.resumedAt) < 1_000, `resumed at the box's time (${boot.resumedAt}), not when the window looked (${run.timeline.resumed})`);

    // The timeline, as a user opens it from the palette.
    const showing = vscode.commands.executeCommand('spotbox.showRecoveryTimeline', replacementId);
    const ui = await expectUi({ name: 'unwatched-timeline', queries: { rows: QUICK_PICK_ROWS } }, (response) => (response.found.rows ?? []).some((row) => row.text.includes('While no window was open')));
    const rows = (ui.found.rows ?? []).map((row) => row.text.replace(/\s+/g, ' '));
    for (const milestone of ['interruption notice', 'checkpoint committed', 'replacement launched', 'restored', 'resumed']) {
      assert.ok(rows.some((row) => row.includes(milestone)), `${milestone} in ${rows.join(' | ')}`);
    }
    assert.ok(rows.some((row) => new RegExp(`Restored from checkpoint ${run.checkpointSeq} \\(step ${boot.step}\\)`).test(row)), rows.join(' | '));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await showing;
  });
});
