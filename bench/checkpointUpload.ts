import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { buildAgentConfig } from '../src/core/agent/agentConfig';
import { Ec2ClientPool } from '../src/core/aws/ec2ClientPool';
import { withCommittedCheckpoint } from '../src/core/throughput/checkpointUploads';
import { noticeFitOf } from '../src/core/throughput/noticeFit';
import { formatMegabytesPerSecond, noticeFitFigures } from '../src/core/throughput/noticeFitText';
import { SANDBOX_BUCKET, startSandbox, type RunningSandbox } from '../sandbox/sandbox';
import { processesMentioning } from '../test/sandbox/e2e/sandboxHarness';
import { AgentBox, REGION, type JournalEvent } from '../test/sandbox/agent/agentBox';
import { argument, runBench } from './benchCli';

const GIB = 1024 ** 3;
const NOTICE_LEAD_SECONDS = 120;
const CHECKPOINT_FILE = 'model.bin';

interface Row {
  readonly gib: number;
  readonly cliSeconds: number;
  readonly committed?: JournalEvent;
  readonly noticeToCommittedSeconds?: number;
  readonly outcome: string;
}

/** `aws s3 cp` of the file to the same endpoint and bucket the agent writes to; wall seconds. */
async function cliCopySeconds(sandbox: RunningSandbox, file: string, key: string): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    execFile('aws', ['s3', 'cp', '--only-show-errors', '--endpoint-url', sandbox.endpoints.s3, file, `s3://${SANDBOX_BUCKET}/${key}`], { env: { ...process.env, ...sandbox.environment } }, (error, _stdout, stderr) =>
      error ? reject(new Error(`aws s3 cp failed: ${stderr || error.message}`)) : resolve(),
    );
  });
  return (performance.now() - started) / 1000;
}

/**
 * The box's journal, read from its disk on this machine (a sandbox box is a local process) so that
 * it can still be read in the last seconds before the box is reclaimed, when SSH may be gone.
 */
function readJournal(home: string): JournalEvent[] {
  try {
    return fs
      .readFileSync(path.join(home, '.spotbox', 'journal.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as JournalEvent];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}

/** The notice checkpoint's outcome, polled until it is journalled or the notice has run out. */
async function noticeOutcome(home: string, actionTime: number): Promise<{ journal: JournalEvent[]; outcome?: JournalEvent }> {
  let journal: JournalEvent[] = [];
  while (Date.now() < actionTime + 10_000) {
    const read = readJournal(home);
    journal = read.length > 0 ? read : journal;
    const outcome = journal.find((event) => (event.type === 'checkpoint-committed' || event.type === 'checkpoint-failed') && event.reason === 'notice');
    if (outcome) {
      return { journal, outcome };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { journal };
}

async function measureSize(sandbox: RunningSandbox, clients: Ec2ClientPool, ec2: EC2Client, keys: string, gib: number): Promise<Row> {
  const config = buildAgentConfig({
    sessionId: `bench-upload-${gib}g-${Date.now()}`,
    region: REGION,
    workspaceDir: '~/workspace',
    checkpoint: {
      bucket: SANDBOX_BUCKET,
      prefix: 'bench-upload',
      // A trainer that saves at once when told: the upload starts as soon as the folder is quiet.
      command: 'printf \'{"step": 1}\' > ~/checkpoints/progress.json.tmp && mv ~/checkpoints/progress.json.tmp ~/checkpoints/progress.json',
    },
    checkpointDir: '~/checkpoints',
  });
  const box = await AgentBox.launch(clients, ec2, config, keys);
  try {
    const home = (await box.sh('echo "$HOME"')).trim();
    const written = performance.now();
    await box.sh(`mkdir -p ~/workspace ~/checkpoints && head -c ${gib * GIB} /dev/urandom > ~/checkpoints/${CHECKPOINT_FILE}`, 300_000);
    console.log(`${gib} GiB: checkpoint file written in ${((performance.now() - written) / 1000).toFixed(1)} s`);
    const cliSeconds = await cliCopySeconds(sandbox, path.join(home, 'checkpoints', CHECKPOINT_FILE), `bench-cli/${gib}g/${CHECKPOINT_FILE}`);

    const noticeSent = Date.now();
    const { time } = sandbox.ec2.interruptSpot(box.instanceId, { leadSeconds: NOTICE_LEAD_SECONDS });
    const { journal, outcome } = await noticeOutcome(home, Date.parse(time));
    const notice = journal.find((event) => event.type === 'notice');
    const committed = outcome?.type === 'checkpoint-committed' ? outcome : undefined;
    const noticeToCommittedSeconds = committed ? (Date.parse(committed.time) - (notice ? Date.parse(notice.time) : noticeSent)) / 1000 : undefined;
    const outcomeText = committed
      ? `committed ${((Date.parse(time) - Date.parse(committed.time)) / 1000).toFixed(1)} s before the action time`
      : outcome
        ? `FAILED: ${String(outcome.error)}`
        : `not committed within the ${NOTICE_LEAD_SECONDS} s notice (the box was reclaimed first)`;
    return { gib, cliSeconds, ...(committed ? { committed } : {}), ...(noticeToCommittedSeconds !== undefined ? { noticeToCommittedSeconds } : {}), outcome: outcomeText };
  } finally {
    // Reclaimed at the action time already, unless the notice never came: either way nothing stays.
    await box.terminate(clients, ec2).catch(() => undefined);
  }
}

function report(row: Row): void {
  const cliMegabytesPerSecond = (row.gib * GIB) / row.cliSeconds;
  console.log(`\n${row.gib} GiB emergency checkpoint: ${row.outcome}`);
  console.log(`  aws s3 cp, same file, same endpoint: ${row.cliSeconds.toFixed(1)} s, ${formatMegabytesPerSecond(cliMegabytesPerSecond)}`);
  const { committed } = row;
  if (!committed) {
    return;
  }
  const uploadedBytes = Number(committed.uploadedBytes);
  const seconds = Number(committed.seconds);
  const agentBytesPerSecond = uploadedBytes / seconds;
  console.log(`  notice -> checkpoint-committed: ${row.noticeToCommittedSeconds?.toFixed(1)} s (trainer's save and quiet wait ${((row.noticeToCommittedSeconds ?? 0) - seconds).toFixed(1)} s, upload ${seconds.toFixed(1)} s)`);
  console.log(`  agent upload: ${formatMegabytesPerSecond(agentBytesPerSecond)} (${uploadedBytes} bytes in ${String(committed.parts)} parts); ratio agent / aws s3 cp = ${(agentBytesPerSecond / cliMegabytesPerSecond).toFixed(2)} (target >= 1.0)`);
  // The editor's own rule, from this one measurement (src/core/throughput).
  const fit = noticeFitOf(withCommittedCheckpoint(undefined, { time: Date.parse(committed.time), instanceId: 'bench', bytes: Number(committed.bytes), uploadedBytes, seconds }));
  if (fit) {
    console.log(`  editor's rule: ${noticeFitFigures(fit)} -> ${fit.fits ? 'fits' : 'too big for the notice (the user is warned)'}`);
  }
}

/**
 * `npm run bench:upload [-- --sizes 1,4]`: an emergency (notice) checkpoint of a 1 GiB and a 4 GiB
 * file in the sandbox — notice -> checkpoint-committed from the agent's journal, and the agent's
 * upload MB/s (uploadedBytes / seconds) — next to `aws s3 cp` of the same file to the same S3
 * endpoint in the same run. Prints figures, asserts nothing; a checkpoint that does not fit in the
 * notice is a finding. The sandbox's S3 writes to this machine's disk, so both figures are disk-bound.
 */
async function main(): Promise<void> {
  const sizes = (argument('--sizes') ?? '1,4').split(',').map(Number).filter((size) => size > 0);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-bench-upload-'));
  const sandbox = await startSandbox({ directory, bootDelayMs: { min: 200, max: 800 }, consoleDelayMs: 300 });
  const previous = { ...process.env };
  Object.assign(process.env, sandbox.environment);
  const clients = new Ec2ClientPool();
  const ec2 = new EC2Client({ region: REGION });
  const started = Date.now();
  try {
    for (const gib of sizes) {
      report(await measureSize(sandbox, clients, ec2, path.join(directory, 'keys'), gib));
    }
    console.log(`\nbench took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    clients.dispose();
    ec2.destroy();
    await sandbox.stop();
    process.env = previous;
    console.log(`box processes left: ${processesMentioning(directory).length}`);
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

runBench(main);
