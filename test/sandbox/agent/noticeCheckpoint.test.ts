import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { buildAgentConfig } from '../../../src/core/agent/agentConfig';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { MANIFEST_NAME, seqFolder, STARTED_NAME } from '../../../src/core/checkpoint/checkpointLayout';
import { CheckpointStore } from '../../../src/core/checkpoint/checkpointStore';
import { SANDBOX_BUCKET, type RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, startTestSandbox, stopTestSandbox, tempDir, waitForState } from '../e2e/sandboxHarness';
import { AgentBox, eventsOf, REGION, RESTORE } from './agentBox';

const PREFIX = 'agent-notice';
const LEAD_SECONDS = 20;

describe('On-box agent: a spot notice checkpoints to S3, a replacement box restores it', function () {
  this.timeout(240_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  const boxes: AgentBox[] = [];

  before(async () => {
    directory = tempDir('spotbox-agent-notice-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
  });

  after(async () => {
    for (const box of boxes) {
      await box.terminate(clients, ec2).catch(() => undefined);
    }
    clients?.dispose();
    ec2?.destroy();
    await stopTestSandbox(sandbox, directory);
  });

  it('saves the trainer\'s state within the notice, manifest last, and loses no step on the next box', async () => {
    const session = `notice-${Date.now()}`;
    const config = buildAgentConfig({
      sessionId: session,
      region: REGION,
      workspaceDir: '~/workspace',
      checkpoint: { bucket: SANDBOX_BUCKET, prefix: PREFIX },
      session: { command: 'python3 ~/toy_trainer.py', workingDir: '~/workspace' },
      checkpointDir: '~/workspace/checkpoints',
      signal: 'SIGUSR1',
      tuning: { quietSeconds: 1, noticeMarginSeconds: 4 },
    });
    const first = await AgentBox.launch(clients, ec2, config, path.join(directory, 'keys'));
    boxes.push(first);
    await first.sh(
      [
        'mkdir -p ~/workspace/src ~/workspace/data',
        'echo "import torch" > ~/workspace/src/model.py',
        'printf "data/\\n*.log\\n" > ~/workspace/.gitignore',
        'head -c 100000 /dev/urandom > ~/workspace/data/shard-0',
        'echo noise > ~/workspace/train.log',
      ].join(' && '),
    );
    // 12 MB per checkpoint file: more than one 8 MiB part, so the notice upload is a multipart one.
    await first.startTrainer('--checkpoint-dir ~/workspace/checkpoints --step-file ~/trainer.step --step-seconds 0.05 --payload-bytes 12000000');
    await eventually('the trainer to get going', async () => (Number(await first.sh('(cut -d" " -f1 ~/trainer.step 2>/dev/null || echo 0)')) >= 30 ? true : undefined), 30_000);
    assert.deepEqual(eventsOf(await first.journal(), 'checkpoint-started'), [], 'nothing is saved before the notice (no interval set)');

    const stepBeforeNotice = Number(await first.sh('cut -d" " -f1 ~/trainer.step'));
    const { time: actionTime } = sandbox!.ec2.interruptSpot(first.instanceId, { leadSeconds: LEAD_SECONDS });
    const noticeSent = Date.now();

    const committed = await first.waitForEvent('the notice checkpoint', (event) => (event.type === 'checkpoint-committed' || event.type === 'checkpoint-failed') && event.reason === 'notice', LEAD_SECONDS * 1000);
    assert.equal(committed.type, 'checkpoint-committed', JSON.stringify(committed));
    assert.ok(Date.parse(committed.time) < Date.parse(actionTime), `committed ${committed.time}, before the action time ${actionTime}`);
    const journal = await first.journal();
    const trainerLog = await first.sh('cat ~/trainer.log');
    const notice = eventsOf(journal, 'notice');
    assert.deepEqual(notice.map((event) => [event.action, event.actionTime]), [['terminate', actionTime]], 'one notice, read from IMDS');
    assert.ok(Date.parse(notice[0]?.time ?? '') - noticeSent < 3_000, 'seen within a 2 s poll');
    const told = eventsOf(journal, 'trainer-notified');
    assert.deepEqual(told.map((event) => event.signal), ['SIGUSR1']);
    const savedStep = Number(/spotbox-checkpoint step=(\d+) reason=signal/.exec(trainerLog)?.[1]);
    assert.ok(savedStep >= stepBeforeNotice, `the trainer saved step ${savedStep} on the signal, at or after step ${stepBeforeNotice} where the notice came`);
    assert.equal(committed.step, savedStep, 'the manifest carries the step the trainer saved');
    assert.equal(committed.parts, 2, 'the 12 MB checkpoint file went up in two parts');
    assert.deepEqual(eventsOf(journal, 'checkpoint-started').map((event) => event.reason), ['notice']);

    const savedFiles = ['checkpoints/progress.json', `checkpoints/step-${savedStep}.ckpt`, '.gitignore', 'src/model.py'];
    const onFirstBox = await first.sha256s('~/workspace', savedFiles);

    await waitForState(ec2, [first.instanceId], 'terminated', LEAD_SECONDS * 1000 + 30_000);

    const store = new CheckpointStore({ bucket: SANDBOX_BUCKET, prefix: PREFIX }, { region: REGION });
    try {
      assert.deepEqual(await store.listSessions(), [session]);
      const newest = await store.newestCheckpoint(session);
      assert.equal(newest?.seq, 1);
      assert.equal(newest?.reason, 'notice');
      assert.equal(newest?.step, savedStep);
      assert.equal(newest?.sourceInstance, first.instanceId);
      const manifest = await store.readManifest(session, 1);
      assert.deepEqual(
        manifest.files.map((file) => `${file.area}:${file.path}`),
        ['files:progress.json', `files:step-${savedStep}.ckpt`, 'workspace:.gitignore', 'workspace:src/model.py'],
        'the checkpoint folder is saved whole, the workspace minus its .gitignore (data/, *.log)',
      );
      assert.deepEqual(
        Object.fromEntries(manifest.files.map((file) => [file.area === 'files' ? `checkpoints/${file.path}` : file.path, file.sha256])),
        onFirstBox,
      );
      await assertManifestWrittenLast(seqFolder(PREFIX, session, 1));
    } finally {
      store.dispose();
    }

    const second = await AgentBox.launch(clients, ec2, config, path.join(directory, 'keys'));
    boxes.push(second);
    const restored = JSON.parse(await second.sh(`${RESTORE} --dest-files ~/workspace/checkpoints --dest-workspace ~/workspace`)) as Record<string, unknown>;
    assert.deepEqual(restored, { session, seq: 1, step: savedStep, files: 4, bytes: restored.bytes, createdAt: restored.createdAt, sourceInstance: first.instanceId });
    assert.ok(Number(restored.bytes) > 12_000_000);
    assert.deepEqual(await second.sha256s('~/workspace', savedFiles), onFirstBox, 'identical files on the replacement box');

    await second.startTrainer('--checkpoint-dir ~/workspace/checkpoints --step-file ~/trainer.step --step-seconds 0.05 --max-steps 1');
    const resumed = await eventually('the trainer to resume', async () => /resumed at step (\d+)/.exec(await second.sh('cat ~/trainer.log'))?.[1], 15_000);
    assert.equal(Number(resumed), savedStep, 'resumed where the notice checkpoint left off: 0 steps lost');
  });

  it('drops a periodic checkpoint still running when the notice comes, and asks the trainer through checkpoint.command', async () => {
    const session = `preempt-${Date.now()}`;
    const config = buildAgentConfig({
      sessionId: session,
      region: REGION,
      workspaceDir: '~/workspace',
      // The first "save" is slow, so the periodic checkpoint is still waiting for it when the notice comes.
      checkpoint: { bucket: SANDBOX_BUCKET, prefix: PREFIX, command: 'f=~/checkpoints/saves.log; [ -e $f ] || { date >> $f; sleep 8; }; date >> $f' },
      checkpointDir: '~/checkpoints',
      tuning: { intervalSeconds: 2, quietSeconds: 1, noticeMarginSeconds: 4 },
    });
    const box = await AgentBox.launch(clients, ec2, config, path.join(directory, 'keys'));
    boxes.push(box);
    await box.sh('mkdir -p ~/checkpoints ~/workspace && echo \'{"step": 5}\' > ~/checkpoints/progress.json');
    await box.waitForEvent('a periodic checkpoint to start', (event) => event.type === 'checkpoint-started' && event.reason === 'periodic', 15_000);
    const { time: actionTime } = sandbox!.ec2.interruptSpot(box.instanceId, { leadSeconds: LEAD_SECONDS });

    const committed = await box.waitForEvent('the notice checkpoint', (event) => (event.type === 'checkpoint-committed' || event.type === 'checkpoint-failed') && event.reason === 'notice', LEAD_SECONDS * 1000);
    assert.equal(committed.type, 'checkpoint-committed', JSON.stringify(committed));
    assert.ok(Date.parse(committed.time) < Date.parse(actionTime));
    const journal = await box.journal();
    const summary = journal
      .filter((event) => ['notice', 'checkpoint-started', 'checkpoint-failed', 'checkpoint-committed'].includes(event.type))
      .map((event) => `${event.type}${typeof event.reason === 'string' ? ` ${event.reason}` : ''}${event.cancelled ? ' cancelled' : ''}`);
    assert.deepEqual(summary, ['checkpoint-started periodic', 'notice', 'checkpoint-failed periodic cancelled', 'checkpoint-started notice', 'checkpoint-committed notice']);
    assert.deepEqual(eventsOf(journal, 'trainer-notified').at(-1)?.exitCode, 0, 'the notice waited for the command to finish');
    assert.equal(committed.seq, 1, 'the cancelled periodic checkpoint committed nothing');
    await waitForState(ec2, [box.instanceId], 'terminated', LEAD_SECONDS * 1000 + 30_000);
    const store = new CheckpointStore({ bucket: SANDBOX_BUCKET, prefix: PREFIX }, { region: REGION });
    try {
      assert.deepEqual((await store.listCheckpoints(session)).map((checkpoint) => [checkpoint.seq, checkpoint.reason, checkpoint.step]), [[1, 'notice', 5]]);
    } finally {
      store.dispose();
    }
  });
});

/** started.json first, then the files, the manifest last (s3rver keeps each object's write time, to the millisecond). */
async function assertManifestWrittenLast(folder: string): Promise<void> {
  const s3 = new S3Client({ region: REGION });
  try {
    const objects = (await s3.send(new ListObjectsV2Command({ Bucket: SANDBOX_BUCKET, Prefix: folder }))).Contents ?? [];
    const manifest = objects.find((object) => object.Key === `${folder}${MANIFEST_NAME}`);
    const started = objects.find((object) => object.Key === `${folder}${STARTED_NAME}`);
    assert.ok(manifest?.LastModified && started?.LastModified);
    const files = objects.filter((object) => object !== manifest && object !== started);
    assert.equal(files.length, 4);
    for (const object of files) {
      assert.ok(started.LastModified <= object.LastModified! && object.LastModified! <= manifest.LastModified, `${object.Key} (${object.LastModified?.toISOString()}) outside ${started.LastModified.toISOString()}..${manifest.LastModified.toISOString()}`);
    }
  } finally {
    s3.destroy();
  }
}
