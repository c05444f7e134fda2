import * as fs from 'node:fs';
import { ec2HygieneCloud } from '../src/core/hygiene/ec2HygieneCloud';
import { findOrphans } from '../src/core/hygiene/findOrphans';
import type { LineageRecord } from '../src/core/recovery/recoveryTypes';
import type { RunningSandbox } from '../sandbox/sandbox';
import { eventually, TEST_OWNER_ID } from '../test/sandbox/e2e/sandboxHarness';
import { headlessResume } from '../test/sandbox/recovery/headlessWatch';
import { BOX_WORKSPACE, fleetTrainerProfile, REGION, type RecoveryRig, WORKSPACES } from '../test/sandbox/recovery/recoveryHarness';
import { percentile, seconds } from './stats';

/**
 * `bench:recovery --headless`: the fleet's replacement with no editor at all. Each cycle
 * interrupts the lineage's box with a notice of `leadSeconds`; the fleet replaces it once EC2 has
 * reclaimed it, and the box restores itself. Prints notice -> resumed, reclaim -> resumed (what
 * the fleet and the box's own restore take), and the steps lost, read from the trainers' logs.
 */
export async function headlessCycles(sandbox: RunningSandbox, rig: RecoveryRig, options: { cycles: number; leadSeconds: number }): Promise<number> {
  const command = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;
  console.log(`headless: no editor; the fleet replaces, the box restores itself. Trainer ${BOX_WORKSPACE}/train.py (examples/pytorch-loop), notice lead ${options.leadSeconds} s`);
  let record: LineageRecord = await rig.launch(fleetTrainerProfile('bench-headless', command), { workspace: WORKSPACES.pytorchLoop });
  const rows: Array<{ resumed: number; afterReclaim: number; lost: number }> = [];
  let failures = 0;
  for (let cycle = 1; cycle <= options.cycles; cycle++) {
    const box = await eventually("the lineage's box running", async () => {
      const found = await rig.box(record.currentInstanceId);
      return found?.state === 'running' ? found : undefined;
    }, 120_000, 250);
    await rig.trainerPast(box, 20, 'the trainer stepping', 120_000, 250);
    const noticeAt = Date.now();
    const { time } = sandbox.ec2.interruptSpot(box.instanceId, { leadSeconds: options.leadSeconds });
    try {
      const resumed = await headlessResume(rig, record, { noticeAt, timeoutMs: options.leadSeconds * 1000 + 120_000 });
      const stoppedAt = Number(/stopping at step (\d+)/.exec(fs.readFileSync(resumed.oldTrainerLogCopy, 'utf8'))?.[1]);
      const resumedFrom = Number(/resumed at step (\d+)/.exec(resumed.trainerLog)?.[1]);
      rows.push({ resumed: resumed.resumedAt - noticeAt, afterReclaim: resumed.resumedAt - Date.parse(time), lost: Math.max(0, stoppedAt - resumedFrom) });
      console.log(`cycle ${cycle}: notice->resumed ${seconds(rows.at(-1)!.resumed)}, EC2's reclaim->resumed ${seconds(rows.at(-1)!.afterReclaim)}, steps lost ${rows.at(-1)!.lost} (saved at ${stoppedAt}, resumed at ${resumedFrom}; ${box.instanceId} -> ${resumed.replacementId})`);
      // The lineage's box is now the fleet's replacement: the next cycle interrupts it.
      record = { ...record, currentInstanceId: resumed.replacementId, instanceIds: [...record.instanceIds, resumed.replacementId] };
      await rig.lineages.put(record);
    } catch (error) {
      failures++;
      console.log(`cycle ${cycle}: FAILED ${error instanceof Error ? error.message : String(error)}`);
      break;
    }
  }
  await rig.releaseAll();
  const orphans = await findOrphans(ec2HygieneCloud(rig.clients), { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
  const column = (pick: (row: (typeof rows)[number]) => number): string => `p50 ${seconds(percentile(rows.map(pick), 50))}, max ${seconds(Math.max(...rows.map(pick)))}`;
  console.log(`\n${rows.length}/${options.cycles} cycles resumed with no editor, ${failures} failed`);
  if (rows.length > 0) {
    console.log(`notice -> resumed: ${column((row) => row.resumed)} (the fleet replaces once EC2 reclaims the box, at the notice's lead of ${options.leadSeconds} s)`);
    console.log(`EC2's reclaim -> resumed: ${column((row) => row.afterReclaim)}`);
    console.log(`steps lost: total ${rows.reduce((sum, row) => sum + row.lost, 0)}, max ${Math.max(...rows.map((row) => row.lost))}`);
  }
  console.log(`orphaned resources after the fleet was deleted: ${orphans.orphans.length + orphans.recent.length + orphans.otherOwners.length}`);
  return failures;
}
