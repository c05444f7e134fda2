import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeFleetInstancesCommand } from '@aws-sdk/client-ec2';
import { bootRestoreEvents, bootRestoreOutcome, type BootRestoreOutcome } from '../../../src/core/recovery/bootRestoreJournal';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import { eventually } from '../e2e/sandboxHarness';
import type { RecoveryRig } from './recoveryHarness';

export interface HeadlessResume {
  readonly replacementId: string;
  /** The box's own journal: when its session started again (epoch ms). */
  readonly resumedAt: number;
  readonly boot: BootRestoreOutcome;
  /** The replacement's trainer log once it says "resumed at step N". */
  readonly trainerLog: string;
  /** The old box's trainer log as last read before the box went (a local copy: the box's disk goes with it). */
  readonly oldTrainerLogCopy: string;
}

/**
 * What a user would see with no editor: the old box's log while it lasts, the fleet's next box,
 * the box's journal as it restores itself, and its trainer log once the session resumed. Only EC2
 * and SSH are read; nothing here acts on the lineage.
 */
const debug = (message: string): void => void (process.env.SPOTBOX_TEST_DEBUG ? console.log(`      [headless] ${new Date().toISOString()} ${message}`) : undefined);

export async function headlessResume(rig: RecoveryRig, record: LineageRecord, options: { noticeAt: number; timeoutMs: number }): Promise<HeadlessResume> {
  const oldBox = await rig.box(record.currentInstanceId);
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-old-log-')), 'trainer.log');
  fs.writeFileSync(copy, '');
  let copying = true;
  const copier = (async () => {
    while (copying && oldBox) {
      const text = await rig.run(oldBox, 'cat ~/trainer.log 2>/dev/null || true').catch(() => undefined);
      if (text === undefined) {
        return; // The box is gone: the last copy stays.
      }
      fs.writeFileSync(copy, text);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  try {
    const deadline = options.noticeAt + options.timeoutMs;
    const replacementId = await eventually(
      'the fleet to launch a replacement',
      async () => {
        const output = await rig.ec2.send(new DescribeFleetInstancesCommand({ FleetId: record.fleetId! }));
        return (output.ActiveInstances ?? []).map((instance) => instance.InstanceId!).find((id) => id !== record.currentInstanceId);
      },
      Math.max(1_000, deadline - Date.now()),
      500,
    );
    debug(`replacement ${replacementId}`);
    const replacement = await eventually('the replacement to be listed running', async () => {
      const box = await rig.box(replacementId);
      return box?.state === 'running' ? box : undefined;
    }, Math.max(1_000, deadline - Date.now()), 500);
    const boot = await eventually('the replacement to restore itself', async () => {
      const text = await rig.run(replacement, 'cat ~/.spotbox/journal.jsonl 2>/dev/null || true').catch(() => '');
      const outcome = bootRestoreOutcome(bootRestoreEvents(text));
      debug(`journal: ${text.split('\n').filter((line) => line.includes('boot-restore') || line.includes('warning')).slice(-3).join(' | ')}`);
      return outcome;
    }, Math.max(1_000, deadline - Date.now()), 1_000);
    if (boot.phase !== 'resumed') {
      throw new Error(`the replacement did not resume: ${boot.phase} ${boot.error ?? ''}`);
    }
    const trainerLog = await eventually('the trainer to resume on the replacement', async () => {
      const text = await rig.run(replacement, 'cat ~/trainer.log 2>/dev/null || true');
      return /resumed at step \d+/.test(text) ? text : undefined;
    }, Math.max(1_000, deadline - Date.now()), 500);
    copying = false;
    // Not awaited: a read of a box that is gone may wait out its SSH retries; the copy already holds the old log.
    void copier.catch(() => undefined);
    return { replacementId, resumedAt: boot.resumedAt!, boot, trainerLog, oldTrainerLogCopy: copy };
  } finally {
    copying = false;
  }
}
