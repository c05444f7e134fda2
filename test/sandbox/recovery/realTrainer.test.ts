import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AgentTuning } from '../../../src/core/agent/agentConfig';
import type { Box } from '../../../src/core/boxes/box';
import type { SpotboxProfile } from '../../../src/core/profile/profileTypes';
import type { JournalTail } from '../../../src/core/recovery/journalTail';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, startTestSandbox, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';
import { BOX_WORKSPACE, RecoveryRig, realTrainerProfile, requireTorch, SYSTEM_PYTHON, WORKSPACES } from './recoveryHarness';

/** Each recipe's folder is uploaded as the box's workspace; its train.py is started from there. */
const BOX_TRAIN_PY = `${BOX_WORKSPACE}/train.py`;
/** spotbox_train.py, which Spotbox puts on the box session's PYTHONPATH; a run without Spotbox copies it next to train.py. */
const TRAIN_HELPER = path.resolve(__dirname, '../../../../resources/agent/spotbox_train.py');
const TOTAL_STEPS = 1200;

interface JournalEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

describe('Real PyTorch trainers interrupted and resumed (examples/, python3-torch) in the sandbox cloud', function () {
  this.timeout(300_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let rig: RecoveryRig;
  const tails: JournalTail[] = [];

  before(async function () {
    requireTorch();
    directory = tempDir('spotbox-real-trainer-');
    sandbox = await startTestSandbox(directory);
    rig = new RecoveryRig(directory);
  });

  afterEach(async () => {
    tails.splice(0).forEach((tail) => tail.stop());
    sandbox?.ec2.clearFaults();
    await rig.releaseAll();
  });

  after(async () => {
    rig?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  async function journalOf(box: Box): Promise<JournalEvent[]> {
    const text = await rig.run(box, 'cat ~/.spotbox/journal.jsonl 2>/dev/null || true');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalEvent);
  }

  /** Launches, waits for `minStep`, interrupts with a notice of `leadSeconds`, and lets the coordinator recover. */
  async function interruptAndRecover(profile: SpotboxProfile, options: { workspace: string; minStep: number; leadSeconds: number; tuning?: AgentTuning; beforeNotice?: (box: Box) => Promise<void> }) {
    const record = await rig.launch(profile, { workspace: options.workspace, ...(options.tuning ? { tuning: options.tuning } : {}) });
    const oldBox = (await rig.box(record.currentInstanceId))!;
    await rig.trainerPast(oldBox, options.minStep);
    await options.beforeNotice?.(oldBox);
    const coordinator = rig.coordinator('window-1');
    let recovering: Promise<LineageRecord | undefined> | undefined;
    const { tail } = rig.follow(oldBox, { recover: (facts) => (recovering ??= coordinator.recover('notice', facts)) });
    tails.push(tail);
    const steps = rig.watchSteps(oldBox);
    const stepAtNotice = await rig.stepOn(oldBox);
    const { time: actionTime } = sandbox!.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: options.leadSeconds });
    const finished = await eventually('the recovery to start', async () => recovering, 20_000, 100).then((work) => work);
    steps.stop();
    const run = finished.recovery!;
    assert.equal(run.phase, 'resumed', run.error);
    return { oldBox, finished: finished, run, stepAtNotice, stepReached: steps.last(), actionTime: Date.parse(actionTime) };
  }

  it('a plain `python3 train.py` under a 2-minute notice: 0 steps lost, resumed before the old box goes, final weights bitwise equal to an uninterrupted run', async () => {
    const reference = uninterruptedDigest(path.join(WORKSPACES.pytorchLoop, 'train.py'), ['--total-steps', String(TOTAL_STEPS)]);
    const command = `python3 ${BOX_TRAIN_PY} --total-steps ${TOTAL_STEPS} --step-seconds 0.02 >> ~/trainer.log 2>&1`;
    const { oldBox, finished, run, stepReached, actionTime } = await interruptAndRecover(realTrainerProfile('real-plain', command), { workspace: WORKSPACES.pytorchLoop, minStep: 150, leadSeconds: 120 });

    assert.ok(run.timeline.resumed! < actionTime, `resumed ${new Date(run.timeline.resumed!).toISOString()}, before the old box's termination at ${new Date(actionTime).toISOString()}`);
    assert.equal(run.checkpointStep, stepReached, 'the notice checkpoint holds the last step the old box reached');
    const oldLog = await rig.run(oldBox, 'cat ~/trainer.log');
    assert.match(oldLog, new RegExp(`stopping at step ${stepReached}: the box is going`), 'the trainer saved on SIGTERM and stopped by itself');
    const notified = (await journalOf(oldBox)).filter((event) => event.type === 'trainer-notified');
    assert.deepEqual(notified.map((event) => [event.signal, (event.pids as number[]).length]), [['SIGTERM', 1]], 'the signal went to the python process alone');

    const replacement = (await rig.box(finished.currentInstanceId))!;
    const log = await eventually('the resumed run to finish', async () => {
      const text = await rig.run(replacement, 'cat ~/trainer.log 2>/dev/null || true');
      return /done at step \d+ weights [0-9a-f]+/.test(text) ? text : undefined;
    }, 120_000, 1_000);
    assert.match(log, new RegExp(`resumed at step ${stepReached}\\b`), '0 steps lost');
    assert.equal(/weights ([0-9a-f]+)/.exec(log)?.[1], reference, 'the interrupted and resumed run ends with the very weights of an uninterrupted one');
  });

  it('a trainer that handles no signal and saves every 50 steps: never signalled or killed, resumed exactly from its own newest save', async () => {
    const command = `python3 ${BOX_TRAIN_PY} --total-steps 100000 --step-seconds 0.02 --no-signal-handlers --save-every 50 >> ~/trainer.log 2>&1`;
    const { oldBox, finished, run, stepAtNotice } = await interruptAndRecover(realTrainerProfile('real-unhandled', command), { workspace: WORKSPACES.pytorchLoop, minStep: 120, leadSeconds: 40 });

    const journal = await journalOf(oldBox);
    assert.deepEqual(journal.filter((event) => event.type === 'trainer-notified'), [], 'no signal was sent');
    assert.ok(journal.some((event) => event.type === 'warning' && event.code === 'signal-not-sent'), 'the journal says why no signal went out');
    const stepAfter = await rig.stepOn(oldBox);
    assert.ok(stepAfter > run.checkpointStep!, `the old box's trainer was still training after the checkpoint (step ${stepAfter})`);
    assert.equal(run.checkpointStep! % 50, 0, `the checkpoint is one of the trainer's own saves (step ${run.checkpointStep})`);
    assert.ok(run.checkpointStep! > stepAtNotice - 50, `less than 50 steps before the notice (${stepAtNotice}); the saves made during the notice count too`);
    const log = await rig.trainerResumedOn(finished.currentInstanceId);
    assert.match(log, new RegExp(`resumed at step ${run.checkpointStep}\\b`));
  });

  it('a pipeline (`| tee`) under periodic checkpoints: training goes on across them, then a notice resumes it with 0 steps lost', async () => {
    const command = `python3 -u ${BOX_TRAIN_PY} --total-steps 100000 --step-seconds 0.02 2>&1 | tee -a ~/trainer.log`;
    let periodic: JournalEvent[] = [];
    const { oldBox, finished, run, stepReached } = await interruptAndRecover(realTrainerProfile('real-pipeline', command), {
      workspace: WORKSPACES.pytorchLoop,
      minStep: 20,
      leadSeconds: 40,
      tuning: { intervalSeconds: 4 },
      beforeNotice: async (box) => {
        periodic = await eventually('three periodic checkpoints', async () => {
          const committed = (await journalOf(box)).filter((event) => event.type === 'checkpoint-committed' && event.reason === 'periodic');
          return committed.length >= 3 ? committed : undefined;
        }, 90_000, 500);
      },
    });
    const steps = periodic.map((event) => Number(event.step));
    assert.deepEqual([...steps].sort((a, b) => a - b), steps, 'each periodic checkpoint holds a later step');
    assert.ok(new Set(steps).size === steps.length, `the trainer went on between them: ${steps.join(', ')}`);
    const oldLog = await rig.run(oldBox, 'cat ~/trainer.log');
    assert.equal(oldLog.match(/starting at step 0/g)?.length, 1, 'one run on the old box: no checkpoint ended the session');
    assert.equal(run.checkpointStep, stepReached);
    const log = await rig.trainerResumedOn(finished.currentInstanceId);
    assert.match(log, new RegExp(`resumed at step ${stepReached}\\b`), 'tee kept the output and SIGTERM reached python through the pipe');
  });

  it('torchrun with 2 CPU workers (gloo): both ranks save on the notice and resume at the same step', async () => {
    // --redirects/--tee 1: Debian's torch 1.13 cannot parse torchrun's default 0 on Python 3.11 (IntFlag iteration changed).
    // The rendezvous on the box's own address rather than --standalone's localhost:29400: the sandbox's
    // boxes share this machine's network, and the old box's rendezvous may still hold that port.
    const command = `torchrun --nnodes 1 --nproc_per_node 2 --rdzv_backend c10d --rdzv_endpoint "$(hostname -i):29400" --redirects 1 --tee 1 ${BOX_TRAIN_PY} --total-steps 100000 >> ~/trainer.log 2>&1`;
    const { oldBox, finished, run } = await interruptAndRecover(realTrainerProfile('real-torchrun', command), { workspace: WORKSPACES.torchrunDdp, minStep: 100, leadSeconds: 40 });

    const notified = (await journalOf(oldBox)).filter((event) => event.type === 'trainer-notified');
    assert.equal((notified.at(-1)?.pids as number[]).length, 2, 'both workers were signalled, torchrun passed through');
    const oldLog = await rig.run(oldBox, 'cat ~/trainer.log');
    for (const rank of [0, 1]) {
      assert.match(oldLog, new RegExp(`rank ${rank} saved step ${run.checkpointStep}(?!\\d)`));
    }
    const replacement = (await rig.box(finished.currentInstanceId))!;
    // Two processes write one log, and print() writes a line's text and its newline apart: one rank's
    // line may run into the other's ("...449rank 1 ..."). The number itself is written whole.
    const resumedAt = (text: string, rank: number): string | undefined => new RegExp(`rank ${rank} resumed at step (\\d+)(?!\\d)`).exec(text)?.[1];
    let lastRead = '';
    const log = await eventually('both ranks resumed', async () => {
      lastRead = await rig.run(replacement, 'cat ~/trainer.log 2>/dev/null || true');
      return resumedAt(lastRead, 0) !== undefined && resumedAt(lastRead, 1) !== undefined ? lastRead : undefined;
    }, 60_000, 500).catch((error: Error) => {
      throw new Error(`${error.message}; the replacement's log:\n${JSON.stringify(lastRead.slice(-2000))}`);
    });
    for (const rank of [0, 1]) {
      assert.equal(resumedAt(log, rank), String(run.checkpointStep), `rank ${rank} resumed at the checkpoint's step:\n${log}`);
    }
  });
});

/**
 * The weights digest of the same script run start to end on this machine, with no Spotbox at all:
 * as the recipe says, train.py with spotbox_train.py copied next to it.
 */
function uninterruptedDigest(script: string, args: readonly string[]): string {
  const work = tempDir('spotbox-reference-run-');
  try {
    fs.copyFileSync(script, path.join(work, 'train.py'));
    fs.copyFileSync(TRAIN_HELPER, path.join(work, 'spotbox_train.py'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.PYTHONPATH;
    delete env.SPOTBOX_CHECKPOINT_DIR;
    delete env.SPOTBOX_STATE_DIR;
    delete env.SPOTBOX_STEP_FILE;
    const output = execFileSync(SYSTEM_PYTHON, ['-B', 'train.py', ...args, '--checkpoint-dir', path.join(work, 'ckpt')], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
    const digest = /done at step \d+ weights ([0-9a-f]+)/.exec(output)?.[1];
    assert.ok(digest, output);
    return digest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
