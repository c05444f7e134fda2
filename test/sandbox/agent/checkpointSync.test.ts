import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildAgentConfig, type AgentTuning } from '../../../src/core/agent/agentConfig';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { seqFolder, sessionFolder } from '../../../src/core/checkpoint/checkpointLayout';
import { CheckpointStore } from '../../../src/core/checkpoint/checkpointStore';
import { userMessageOf } from '../../../src/core/errors';
import { SANDBOX_BUCKET, type RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, startTestSandbox, stopTestSandbox, tempDir } from '../e2e/sandboxHarness';
import { sshExec } from '../e2e/sshExec';
import { AgentBox, eventsOf, REGION, RESTORE } from './agentBox';

const PREFIX = 'agent-sync';

describe('On-box agent: periodic and manual checkpoints to S3', function () {
  this.timeout(240_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;
  let ec2: EC2Client;
  let s3: S3Client;
  let store: CheckpointStore;
  let box: AgentBox | undefined;

  const launch = async (session: string, tuning: AgentTuning, withTrainer = false): Promise<AgentBox> => {
    const config = buildAgentConfig({
      sessionId: session,
      region: REGION,
      workspaceDir: '~/workspace',
      checkpoint: { bucket: SANDBOX_BUCKET, prefix: PREFIX },
      checkpointDir: '~/checkpoints',
      ...(withTrainer ? { session: { command: 'python3 ~/toy_trainer.py' }, signal: 'SIGUSR1' as const } : {}),
      tuning: { quietSeconds: 1, ...tuning },
    });
    box = await AgentBox.launch(clients, ec2, config, path.join(directory, 'keys'));
    return box;
  };

  /** Seq folders of a session as S3 lists them, complete or not. */
  const folders = async (session: string): Promise<string[]> => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: SANDBOX_BUCKET, Prefix: sessionFolder(PREFIX, session), Delimiter: '/' }));
    return (listed.CommonPrefixes ?? []).map((entry) => entry.Prefix!.slice(sessionFolder(PREFIX, session).length, -1));
  };
  const keysIn = async (folder: string): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: SANDBOX_BUCKET, Prefix: folder }))).Contents ?? []).map((object) => object.Key!.slice(folder.length)).sort();

  before(async () => {
    directory = tempDir('spotbox-agent-sync-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
    ec2 = new EC2Client({ region: REGION });
    s3 = new S3Client({ region: REGION });
    store = new CheckpointStore({ bucket: SANDBOX_BUCKET, prefix: PREFIX }, { region: REGION });
  });

  afterEach(async () => {
    sandbox?.s3.failNext(0);
    await box?.terminate(clients, ec2);
    box = undefined;
  });

  after(async () => {
    store?.dispose();
    s3?.destroy();
    ec2?.destroy();
    clients?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  it('uploads only what changed: unchanged files are copied server-side, big files go in 8 MiB parts', async () => {
    const session = 'incremental';
    const agent = await launch(session, { workspaceMaxBytes: 5_000_000 });
    await agent.sh(
      [
        'mkdir -p ~/checkpoints ~/workspace/src',
        'head -c 20000000 /dev/urandom > ~/checkpoints/model.bin',
        'echo \'{"step": 10}\' > ~/checkpoints/progress.json',
        'echo "a = 1" > ~/workspace/src/a.py',
        'echo "b = 1" > ~/workspace/src/b.py',
        'head -c 6000000 /dev/urandom > ~/workspace/asset.bin',
      ].join(' && '),
    );
    const { noticeTime } = sandbox!.ec2.recommendRebalance(agent.instanceId);
    const rebalance = await agent.waitForEvent('the rebalance recommendation', (event) => event.type === 'rebalance', 10_000);
    assert.equal(rebalance.noticeTime, noticeTime);

    // The recommendation itself checkpoints at once (a raised risk of interruption).
    const first = await agent.waitForEvent('the rebalance checkpoint', (event) => (event.type === 'checkpoint-committed' || event.type === 'checkpoint-failed') && event.reason === 'rebalance', 30_000);
    assert.equal(first.type, 'checkpoint-committed', JSON.stringify(first));
    assert.deepEqual([first.seq, first.reason, first.step, first.files, first.uploaded, first.copied, first.parts], [1, 'rebalance', 10, 4, 4, 0, 3], '20 MB model.bin in three 8 MiB parts');
    const warning = eventsOf(await agent.journal(), 'warning').find((event) => event.code === 'workspace-over-limit');
    assert.deepEqual(warning?.paths, ['asset.bin'], 'the 6 MB file is over the 5 MB workspace limit');

    await agent.sh('echo "b = 2" > ~/workspace/src/b.py && echo "c = 3" > ~/workspace/src/c.py');
    const second = await agent.checkpointNow();
    assert.equal(second.type, 'checkpoint-committed', JSON.stringify(second));
    assert.deepEqual([second.seq, second.files, second.uploaded, second.copied, second.uploadedBytes, second.parts], [2, 5, 2, 3, 12, 0], 'b.py and c.py sent (6 bytes each); model.bin, progress.json and a.py copied');

    // Each seq folder holds all of its objects, so it stands alone when older ones are deleted.
    assert.deepEqual(await keysIn(seqFolder(PREFIX, session, 2)), ['files/model.bin', 'files/progress.json', 'manifest.json', 'started.json', 'workspace/src/a.py', 'workspace/src/b.py', 'workspace/src/c.py']);
    const manifest = await store.readManifest(session, 2);
    const model = manifest.files.find((file) => file.path === 'model.bin');
    assert.equal(model?.size, 20_000_000);
    const onBox = await agent.sha256s('~/checkpoints', ['model.bin']);
    assert.equal(model?.sha256, onBox['model.bin']);

    const restored = JSON.parse(await agent.sh(`${RESTORE} --dest-files ~/restored/checkpoints --dest-workspace ~/restored/workspace`)) as Record<string, unknown>;
    assert.equal(restored.seq, 2);

    // While a restore writes the folders, what is on disk is half a checkpoint: nothing is saved.
    await agent.sh('sleep 60 > /dev/null 2>&1 < /dev/null & echo $! > ~/.spotbox/restoring');
    const during = await agent.checkpointNow();
    assert.deepEqual([during.type, during.error], ['checkpoint-failed', 'a restore is writing the checkpoint folders']);
    await agent.sh('kill $(cat ~/.spotbox/restoring)');
    assert.equal((await agent.checkpointNow()).type, 'checkpoint-committed', 'a restore that died no longer holds checkpoints back');
    assert.deepEqual(await agent.sha256s('~/restored', ['checkpoints/model.bin', 'workspace/src/b.py', 'workspace/src/c.py']), await agent.sha256s('~', ['checkpoints/model.bin', 'workspace/src/b.py', 'workspace/src/c.py']));
  });

  it('retries S3 5xx until committed; when S3 keeps failing, writes no manifest and the last checkpoint stays the newest', async () => {
    const session = 'faults';
    const agent = await launch(session, { uploadAttempts: 4 });
    await agent.sh('mkdir -p ~/checkpoints && echo \'{"step": 1}\' > ~/checkpoints/progress.json && head -c 3000000 /dev/urandom > ~/checkpoints/w.bin');
    assert.equal((await agent.checkpointNow()).type, 'checkpoint-committed');

    await agent.sh('echo \'{"step": 2}\' > ~/checkpoints/progress.json');
    sandbox!.s3.failNext(3, 503);
    const retried = await agent.checkpointNow();
    assert.equal(retried.type, 'checkpoint-committed', JSON.stringify(retried));
    assert.deepEqual([retried.seq, retried.step], [2, 2]);
    const retries = eventsOf(await agent.journal(), 'upload-retry').filter((event) => String(event.error).startsWith('HTTP 503'));
    assert.equal(retries.length, 3, JSON.stringify(retries));
    assert.ok(sandbox!.events.events({ kind: 's3-fault' }).length >= 1);

    await agent.sh('echo \'{"step": 3}\' > ~/checkpoints/progress.json');
    sandbox!.s3.failNext(1000, 500);
    const failed = await agent.checkpointNow();
    sandbox!.s3.failNext(0);
    assert.equal(failed.type, 'checkpoint-failed', JSON.stringify(failed));
    assert.match(String(failed.error), /failed after 4 attempt\(s\): HTTP 500 InternalError/);

    // Torn folders, as a failed upload or a crash leaves them: files and no manifest, or a broken one.
    for (const [key, body] of [
      [`${seqFolder(PREFIX, session, 3)}started.json`, '{}'],
      [`${seqFolder(PREFIX, session, 3)}files/w.bin`, 'half'],
      [`${seqFolder(PREFIX, session, 4)}manifest.json`, '{"version": 1, "seq": 4'],
    ]) {
      await s3.send(new PutObjectCommand({ Bucket: SANDBOX_BUCKET, Key: key, Body: body }));
    }
    assert.deepEqual(await folders(session), ['000001', '000002', '000003', '000004']);
    assert.deepEqual((await store.listCheckpoints(session)).map((checkpoint) => [checkpoint.seq, checkpoint.step]), [[1, 1], [2, 2]]);
    assert.equal((await store.newestCheckpoint(session))?.seq, 2);
    await assert.rejects(store.readManifest(session, 3), (error) => /Checkpoint 3 of session faults cannot be used: .*does not exist/.test(userMessageOf(error)));
    await assert.rejects(store.readManifest(session, 4), (error) => /Checkpoint 4 .*manifest is invalid/.test(userMessageOf(error)));
    const refused = await sshExec(agent.target, `${RESTORE} --seq 4 --dest-files ~/r --dest-workspace ~/r`);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /session faults has no complete checkpoint 4 /);

    // The next checkpoint goes above the torn folders, and its pruning removes them.
    const next = await agent.checkpointNow();
    assert.deepEqual([next.type, next.seq, next.step], ['checkpoint-committed', 5, 3]);
    const pruned = await agent.waitForEvent('pruning', (event) => event.type === 'checkpoints-pruned');
    assert.deepEqual([pruned.seqs, pruned.kept], [[3, 4], [1, 2, 5]]);
    assert.deepEqual(await folders(session), ['000001', '000002', '000005']);
    assert.deepEqual(JSON.parse(await agent.sh(`${RESTORE} --dest-files ~/r/ck --dest-workspace ~/r/ws`)).seq, 5);
  });

  it('syncs periodically, telling the trainer each time, and keeps only the last K checkpoints', async () => {
    const session = 'periodic';
    const agent = await launch(session, { intervalSeconds: 2, keep: 2 }, true);
    await agent.startTrainer('--checkpoint-dir ~/checkpoints --step-file ~/trainer.step --step-seconds 0.05');
    await agent.waitForEvent('four periodic checkpoints', (event) => event.type === 'checkpoint-committed' && Number(event.seq) >= 4, 60_000);

    // S3 moves on while we look: compare at a moment when the journal did not change around the listing.
    const { listed, committed } = await eventually(
      'S3 and the journal to agree',
      async () => {
        const before = await agent.journal();
        const complete = (await store.listCheckpoints(session)).map((checkpoint) => checkpoint.seq);
        const after = await agent.journal();
        const done = eventsOf(after, 'checkpoint-committed').map((event) => Number(event.seq));
        const settled = after.length === before.length && after.at(-1)?.type !== 'checkpoint-committed';
        return settled ? { listed: complete, committed: done } : undefined;
      },
      30_000,
      100,
    );
    assert.deepEqual(listed, committed.slice(-2), `only the last 2 of ${committed.join(', ')} are kept`);
    const folderSeqs = (await folders(session)).map(Number);
    assert.ok(folderSeqs.every((seq) => seq >= (listed[0] ?? 0)), `older folders are gone: ${folderSeqs.join(', ')}`);

    const journal = await agent.journal();
    const periodic = eventsOf(journal, 'checkpoint-committed');
    assert.ok(periodic.every((event) => event.reason === 'periodic'));
    // One seq after the other; an attempt that failed (the trainer, slow to start on a busy machine,
    // had saved nothing yet) keeps its seq, as its torn folder does, and says so in the journal.
    const failed = eventsOf(journal, 'checkpoint-failed');
    const failedSeqs = new Set(failed.map((event) => Number(event.seq)));
    const lastSeq = Number(periodic.at(-1)?.seq);
    const expectedSeqs = Array.from({ length: lastSeq }, (_, index) => index + 1).filter((seq) => !failedSeqs.has(seq));
    assert.deepEqual(periodic.map((event) => Number(event.seq)), expectedSeqs, `one seq after the other; failed: ${JSON.stringify(failed)}`);
    const steps = periodic.map((event) => Number(event.step));
    assert.ok(steps.every((step, index) => index === 0 || step > (steps[index - 1] ?? 0)), `the trainer saved on each signal: steps ${steps.join(', ')}`);
    assert.ok(eventsOf(journal, 'trainer-notified').length >= periodic.length);
    // A folder is deleted only once a newer manifest is written.
    for (const event of eventsOf(journal, 'checkpoints-pruned')) {
      const lastCommitBefore = journal.slice(0, journal.indexOf(event)).filter((e) => e.type === 'checkpoint-committed').at(-1);
      assert.ok((event.seqs as number[]).every((seq) => seq < Number(lastCommitBefore?.seq)), JSON.stringify(event));
    }
    const restored = JSON.parse(await agent.sh(`${RESTORE} --dest-files ~/r/ck --dest-workspace ~/r/ws`)) as Record<string, unknown>;
    assert.ok(Number(restored.seq) >= listed.at(-1)!, 'the newest kept checkpoint restores whole though older folders are gone');
  });

  it('on a rebalance recommendation checkpoints at once, then twice as often', async () => {
    const agent = await launch('rebalance', { intervalSeconds: 8 }, true);
    await agent.startTrainer('--checkpoint-dir ~/checkpoints --step-file ~/trainer.step --step-seconds 0.05');
    await agent.waitForEvent('a periodic checkpoint', (event) => event.type === 'checkpoint-committed' && event.reason === 'periodic', 30_000);
    const recommendedAt = Date.now();
    sandbox!.ec2.recommendRebalance(agent.instanceId);
    const atOnce = await agent.waitForEvent('the rebalance checkpoint', (event) => event.type === 'checkpoint-committed' && event.reason === 'rebalance', 20_000);
    assert.ok(Date.parse(atOnce.time) - recommendedAt < 10_000, `committed ${Date.parse(atOnce.time) - recommendedAt} ms after the recommendation, not at the next interval`);
    assert.equal((await store.newestCheckpoint('rebalance'))?.reason, 'rebalance', 'the editor reads its manifest like any other');
    const after = await eventually('two periodic checkpoints after it', async () => {
      const periodic = eventsOf(await agent.journal(), 'checkpoint-started').filter((event) => event.reason === 'periodic' && Date.parse(event.time) > Date.parse(atOnce.time));
      return periodic.length >= 2 ? periodic : undefined;
    }, 30_000, 300);
    const gap = (Date.parse(after[1].time) - Date.parse(after[0].time)) / 1000;
    assert.ok(gap < 6.5, `periodic checkpoints ${gap} s apart while the recommendation stands (interval 8 s, halved: 4 s plus the poll)`);
  });
});
