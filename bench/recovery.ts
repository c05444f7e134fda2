import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ec2HygieneCloud } from '../src/core/hygiene/ec2HygieneCloud';
import { findOrphans } from '../src/core/hygiene/findOrphans';
import type { RecoveryCoordinator } from '../src/core/recovery/recoveryCoordinator';
import type { LineageRecord } from '../src/core/recovery/recoveryTypes';
import { startSandbox } from '../sandbox/sandbox';
import { eventually, processesMentioning, TEST_OWNER_ID } from '../test/sandbox/e2e/sandboxHarness';
import { BOX_WORKSPACE, REGION, RecoveryRig, realTrainerProfile, trainerProfile, WORKSPACES } from '../test/sandbox/recovery/recoveryHarness';
import { percentile, seconds } from './stats';
import { argument, runBench } from './benchCli';
import { azureCycles } from './recoveryAzure';
import { gcpCycles } from './recoveryGcp';
import { headlessCycles } from './recoveryHeadless';

/**
 * `npm run bench:recovery [-- --cycles N] [-- --lead S] [-- --trainer pytorch] [-- --headless] [-- --cloud gcp|azure]`: spot notice to resumed session in the
 * sandbox, as the editor does it (journal followed over SSH, replacement at notice time, restore,
 * session restart). One lineage is interrupted N times in a row (the soak: each replacement is the
 * next one's victim). Prints per cycle and in total: notice -> visible in the editor, notice ->
 * checkpoint committed, notice -> resumed, steps lost; then lost checkpoints, orphans and box
 * processes left. With --headless no editor runs at all: the fleet replaces, the box restores
 * itself (recoveryHeadless.ts). With --cloud gcp the same on Google Cloud: a managed instance group
 * recreates the preempted VM, which restores itself (recoveryGcp.ts).
 */
async function main(): Promise<void> {
  const cycles = Number(argument('--cycles') ?? 3);
  const leadSeconds = Number(argument('--lead') ?? 20);
  // toy: the agent's test trainer; pytorch: the README's plain PyTorch loop as a user's `python3 train.py`.
  const trainer = argument('--trainer') ?? 'toy';
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-bench-recovery-'));
  // On Azure a box's login user reads the sandbox's CA bundle under it (a real VM trusts Azure's public CAs).
  fs.chmodSync(directory, 0o711);
  const sandbox = await startSandbox({ directory, bootDelayMs: { min: 500, max: 1500 }, consoleDelayMs: 300 });
  Object.assign(process.env, sandbox.environment);
  const rig = new RecoveryRig(directory);
  const rows: Array<{ visible: number; committed: number; resumed: number; lost: number }> = [];
  let failures = 0;
  const coordinators: RecoveryCoordinator[] = [];
  try {
    if (argument('--cloud') === 'gcp') {
      failures += await gcpCycles(sandbox, directory, { cycles });
      return;
    }
    if (argument('--cloud') === 'azure') {
      failures += await azureCycles(sandbox, directory, { cycles });
      return;
    }
    if (process.argv.includes('--headless')) {
      await headlessCycles(sandbox, rig, { cycles, leadSeconds });
      return;
    }
    // The trainer's folder is uploaded as the box's workspace and started from there, as a user's is.
    const workspace = trainer === 'pytorch' ? WORKSPACES.pytorchLoop : WORKSPACES.toy;
    const profile = trainer === 'pytorch' ? realTrainerProfile('bench', `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000000 --step-seconds 0.02 >> ~/trainer.log 2>&1`) : trainerProfile('bench');
    console.log(`trainer: ${path.relative(process.cwd(), workspace) || '.'} uploaded to ${BOX_WORKSPACE}: ${profile.session!.command}, notice lead ${leadSeconds} s`);
    let record: LineageRecord = await rig.launch(profile, { workspace });
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const box = await eventually("the lineage's box running", async () => {
        const found = await rig.box(record.currentInstanceId);
        return found?.state === 'running' ? found : undefined;
      }, 120_000, 250);
      await rig.trainerPast(box, 20, 'the trainer stepping', 120_000, 250);
      const coordinator = rig.coordinator(`bench-${cycle}`);
      let recovering: Promise<LineageRecord | undefined> | undefined;
      let visibleAt: number | undefined;
      const { tail } = rig.follow(box, { recover: (facts) => ((visibleAt ??= Date.now()), (recovering ??= coordinator.recover('notice', facts))) });
      const steps = rig.watchSteps(box);
      const noticeAt = Date.now();
      sandbox.ec2.interruptSpot(box.instanceId, { leadSeconds });
      const finished = await eventually('the recovery to start', async () => recovering, 30_000, 250).then((work) => work);
      tail.stop();
      steps.stop();
      const run = finished?.recovery;
      if (!finished || run?.phase !== 'resumed') {
        failures++;
        console.log(`cycle ${cycle}: FAILED ${run?.error ?? 'no recovery'}`);
        break;
      }
      const lost = Math.max(0, steps.last() - (run.checkpointStep ?? 0));
      rows.push({ visible: (visibleAt ?? NaN) - noticeAt, committed: (run.timeline.checkpointCommitted ?? NaN) - noticeAt, resumed: (run.timeline.resumed ?? NaN) - noticeAt, lost });
      console.log(
        `cycle ${cycle}: notice->visible ${rows.at(-1)!.visible} ms, notice->checkpoint committed ${seconds(rows.at(-1)!.committed)}, notice->resumed ${seconds(rows.at(-1)!.resumed)}, steps lost ${lost} (checkpoint ${run.checkpointSeq}, step ${run.checkpointStep}; ${run.interruptedPool.instanceType}/${run.interruptedPool.availabilityZone} -> ${run.replacementPool?.instanceType}/${run.replacementPool?.availabilityZone})`,
      );
      record = finished;
      coordinators.push(coordinator);
    }
    // An old box in its first hour is left for EC2 to reclaim at its action time, then released:
    // wait for that, as an open window would, before counting what is left.
    await Promise.all(coordinators.map((coordinator) => coordinator.releasesSettled()));
    coordinators.forEach((coordinator) => coordinator.dispose());
    await rig.ports().releaseOld(record, record.currentInstanceId);
    const orphans = await findOrphans(ec2HygieneCloud(rig.clients), { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    const column = (pick: (row: (typeof rows)[number]) => number): string => `p50 ${seconds(percentile(rows.map(pick), 50))}, max ${seconds(Math.max(...rows.map(pick)))}`;
    console.log(`\n${rows.length}/${cycles} cycles resumed, ${failures} failed`);
    if (rows.length > 0) {
      console.log(`notice -> visible in the editor: p50 ${percentile(rows.map((row) => row.visible), 50)} ms, max ${Math.max(...rows.map((row) => row.visible))} ms`);
      console.log(`notice -> checkpoint committed: ${column((row) => row.committed)}`);
      console.log(`notice -> resumed: ${column((row) => row.resumed)}`);
      console.log(`steps lost: total ${rows.reduce((sum, row) => sum + row.lost, 0)}, max ${Math.max(...rows.map((row) => row.lost))}`);
    }
    console.log(`orphaned resources after the last box was released: ${orphans.orphans.length + orphans.recent.length + orphans.otherOwners.length}`);
  } finally {
    rig.dispose();
    await sandbox.stop();
    console.log(`box processes left: ${processesMentioning(directory).length}`);
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

runBench(main);
