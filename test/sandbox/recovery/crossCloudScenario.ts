/**
 * Issue 14's cross-cloud scenario up to the resume, shared by each cloud a session can land on: a
 * real PyTorch trainer (examples/pytorch-loop, saves on SIGTERM) on an AWS fleet lineage whose
 * profile names the other cloud in otherClouds; EC2 has no Spot capacity for any of its pools; a Spot
 * notice arrives; the window raises the fleet, EC2 answers InsufficientInstanceCapacity, and the
 * session moves. What only the landing cloud can check (its bucket, its box, its sweep) is the test's.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { DescribeFleetsCommand } from '@aws-sdk/client-ec2';
import type { Box } from '../../../src/core/boxes/box';
import type { CheckpointCopyReport, CrossCloudCopy, CrossCloudMove, LandedBox } from '../../../src/core/recovery/crossCloudTypes';
import type { OtherCloud } from '../../../src/core/profile/profileTypes';
import type { RecoveryCoordinator } from '../../../src/core/recovery/recoveryCoordinator';
import type { JournalTail } from '../../../src/core/recovery/journalTail';
import type { LineageRecord, RecoveryRun } from '../../../src/core/recovery/recoveryTypes';
import type { CloudRecoveryDeps } from '../../../src/core/recoveryPorts/cloudRecoveryPorts';
import { ec2HygieneCloud } from '../../../src/core/hygiene/ec2HygieneCloud';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { EGRESS_USD_PER_GB } from '../../../src/core/pricing/egressPrices';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, startTestSandbox, stopTestSandbox, tempDir, TEST_OWNER_ID } from '../e2e/sandboxHarness';
import { BOX_WORKSPACE, fleetTrainerProfile, RecoveryRig, REGION, requireTorch, WORKSPACES } from './recoveryHarness';

export const CROSS_CLOUD_TRAINER = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;

export interface MovedAtNotice {
  readonly record: LineageRecord;
  readonly oldBox: Box;
  readonly finished: LineageRecord;
  readonly run: RecoveryRun;
  readonly move: CrossCloudMove & { readonly to: LandedBox; readonly copy: CrossCloudCopy };
  /** The last step the trainer wrote on AWS, read over SSH until the box went. */
  readonly stepReached: number;
  readonly coordinator: RecoveryCoordinator;
}

/**
 * Launches the lineage on AWS with `otherCloud` in otherClouds, takes EC2's Spot capacity away,
 * sends the notice and waits for the recovery the journal starts to end; checks what holds whatever
 * the landing: resumed, where from and why (EC2's own words), the AWS lineage ended, the checkpoint
 * at the last step and the resume at it.
 */
export async function moveAtNotice(rig: RecoveryRig, sandbox: RunningSandbox, name: string, otherCloud: OtherCloud, deps: Partial<CloudRecoveryDeps>, tails: JournalTail[], triedFirst: readonly OtherCloud[] = []): Promise<MovedAtNotice> {
  // `triedFirst`: entries ahead of `otherCloud` in otherClouds that the move cannot land on, each skipped in turn.
  const profile = { ...fleetTrainerProfile(name, CROSS_CLOUD_TRAINER), otherClouds: [...triedFirst, otherCloud], moveAcrossClouds: { whenNoCapacity: true } };
  const record = await rig.launch(profile, { workspace: WORKSPACES.pytorchLoop });
  assert.ok(record.fleetId && record.crossCloud, 'a fleet lineage that may move');
  const oldBox = (await rig.box(record.currentInstanceId))!;
  await rig.trainerPast(oldBox, 100);

  // EC2 has no Spot capacity for any pool of the profile from now on.
  for (const instanceType of profile.instanceTypes ?? []) sandbox.ec2.failCapacity({ region: REGION, instanceType, count: 0 });
  const coordinator = rig.coordinator('window-1', {}, { deps: { callerCidr: async () => '127.0.0.1/32', noCapacityAfterMs: 3_000, ...deps } });
  let recovering: Promise<LineageRecord | undefined> | undefined;
  const { tail } = rig.follow(oldBox, { recover: (facts) => (recovering ??= coordinator.recover('notice', facts)) });
  tails.push(tail);
  const steps = rig.watchSteps(oldBox);
  sandbox.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 40 });
  const finished = await eventually('the recovery to start', async () => recovering, 30_000, 100);
  steps.stop();
  const run = finished.recovery!;
  assert.equal(run.phase, 'resumed', run.error);
  const move = run.move!;
  const stepReached = steps.last();

  assert.deepEqual(move.from, { cloud: 'aws', region: REGION, instanceId: oldBox.instanceId });
  assert.ok(move.reason === 'no-capacity', `it moved for want of capacity: ${move.reason}`);
  assert.ok(move.capacityErrors.length > 0 && move.capacityErrors.every((line) => line.includes('InsufficientInstanceCapacity')), move.capacityErrors.join('; '));
  assert.equal(move.to?.cloud, otherCloud.cloud);
  assert.deepEqual(move.skipped?.map((skipped) => skipped.cloud) ?? [], triedFirst.map((entry) => entry.cloud), (move.skipped ?? []).map((skipped) => skipped.reason).join('; '));
  assert.equal(move.to.machineType, otherCloud.instanceTypes[0]);
  assert.ok(move.copy, 'the checkpoint was copied');
  assert.equal(String(move.copy.seq), run.checkpointSeq);
  assert.ok(finished.ended, 'the AWS lineage ended');
  assert.deepEqual(finished.movedTo, move.to);
  assert.equal(run.checkpointStep, stepReached, 'the notice checkpoint holds the last step');
  assert.equal(run.resumedStep, stepReached);
  return { record, oldBox, finished, run, move: move as MovedAtNotice['move'], stepReached, coordinator };
}

/** The copy's figures against the objects the landing cloud's bucket holds for the checkpoint: count, bytes, MB/s and egress at AWS's price. */
export function assertCopyFigures(copy: CheckpointCopyReport & { egressUsd: number }, copied: ReadonlyArray<{ readonly name: string; readonly size: number }>): void {
  assert.ok(copied.some((object) => object.name.endsWith('/handoff.json')), 'the predecessor\'s handoff went with it');
  assert.equal(copy.objects, copied.length);
  assert.equal(copy.bytes, copied.reduce((sum, object) => sum + object.size, 0));
  assert.ok(copy.seconds > 0 && Math.abs(copy.mbPerSecond - copy.bytes / 1e6 / copy.seconds) < 1e-9);
  assert.ok(Math.abs(copy.egressUsd - (copy.bytes / 1e9) * EGRESS_USD_PER_GB.aws) < 1e-12);
}

/** AWS started no second copy: the lineage's fleet is deleted and nothing of it runs there. */
export async function assertAwsLineageEnded(rig: RecoveryRig, record: LineageRecord): Promise<void> {
  const fleet = (await rig.ec2.send(new DescribeFleetsCommand({ FleetIds: [record.fleetId!] }))).Fleets?.[0];
  assert.match(fleet?.FleetState ?? 'deleted', /^deleted/);
  const live = (await rig.allInstances()).filter((instance) => instance.lineage === record.lineage && !['terminated', 'shutting-down'].includes(instance.state));
  assert.deepEqual(live, []);
}

/** What the orphan sweep finds of this owner on AWS, as `kind id` lines. */
/** Notice → resumed and the copy's MB/s, as the test prints them for the README. */
export function moveFigures(moved: MovedAtNotice): string {
  const { timeline } = moved.run;
  const seconds = timeline.notice !== undefined && timeline.resumed !== undefined ? ((timeline.resumed - timeline.notice) / 1000).toFixed(1) : '?';
  return `notice -> resumed ${seconds} s, copy ${moved.move.copy.mbPerSecond.toFixed(1)} MB/s (${moved.move.copy.bytes} bytes in ${moved.move.copy.seconds.toFixed(2)} s)`;
}

export async function awsOrphans(rig: RecoveryRig): Promise<string[]> {
  const scan = await findOrphans(ec2HygieneCloud(rig.clients), { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
  return scan.orphans.map((orphan) => `${orphan.kind} ${orphan.id}`);
}

/** The sandbox, recovery rig and journal tails of one cross-cloud test file. */
export interface CrossCloudWorld {
  readonly directory: string;
  readonly sandbox: RunningSandbox;
  readonly rig: RecoveryRig;
  readonly tails: JournalTail[];
}

/**
 * Starts a sandbox and a recovery rig in a fresh folder before the calling describe's tests (a real
 * PyTorch is required), and stops every tail, box and server after them. Hooks the caller registers
 * after this one run after it (so they may use the world and undo what they added).
 */
export function useCrossCloudWorld(folderPrefix: string, options: { readonly folderMode?: number } = {}): CrossCloudWorld {
  let directory: string | undefined;
  let sandbox: RunningSandbox | undefined;
  let rig: RecoveryRig | undefined;
  const tails: JournalTail[] = [];
  before(async () => {
    requireTorch();
    directory = tempDir(folderPrefix);
    if (options.folderMode !== undefined) fs.chmodSync(directory, options.folderMode);
    sandbox = await startTestSandbox(directory);
    rig = new RecoveryRig(directory);
  });
  after(async () => {
    tails.splice(0).forEach((tail) => tail.stop());
    await rig?.releaseAll().catch(() => undefined);
    rig?.dispose();
    if (directory) await stopTestSandbox(sandbox, directory);
  });
  const started = <T>(value: T | undefined, what: string): T => value ?? assert.fail(`${what} is not started: the world's before hook has not run`);
  return {
    get directory() {
      return started(directory, 'the folder');
    },
    get sandbox() {
      return started(sandbox, 'the sandbox');
    },
    get rig() {
      return started(rig, 'the recovery rig');
    },
    tails,
  };
}
