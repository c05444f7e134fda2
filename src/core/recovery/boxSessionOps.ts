import type { Client } from 'ssh2';
import { SpotboxError } from '../errors';
import { installSessionTools, SESSION_RUNNER } from '../session/sessionTools';
import { runRemoteCommand, shellPath, shellWord } from '../ssh/runRemoteCommand';
import type { Clock } from '../time/clock';
import { done, notYet, pollUntil } from '../time/poll';

/** Spotbox's tmux server has its own socket: several sandbox boxes share one /tmp and one uid. */
export const SESSION_SOCKET = '~/.spotbox/tmux.sock';
export const SESSION_NAME = 'spotbox';
const AGENT = '~/.spotbox/spotbox_agent.py';
const AGENT_CONFIG = '~/.spotbox/agent.json';
/** What the newest restore brought back, for the trainer helper's restored(). */
const RESTORED_FILE = '~/.spotbox/restored.json';

/** The command a user types on the box to see the training session. */
export function sessionAttachCommand(): string {
  return `tmux -S ${SESSION_SOCKET} attach -t ${SESSION_NAME}`;
}

/** Waits until the launch's user data has installed the agent and its config. */
export async function waitForAgent(client: Client, options: { timeoutMs?: number; signal?: AbortSignal; clock?: Clock } = {}): Promise<void> {
  await pollUntil(
    async () => {
      const result = await runRemoteCommand(client, `test -f ${shellPath(AGENT)} && test -f ${shellPath(AGENT_CONFIG)}`, { timeoutMs: 20_000 });
      return result.code === 0 ? done(undefined) : notYet('no agent or agent config in ~/.spotbox');
    },
    {
      describe: 'the Spotbox agent to be installed on the box',
      intervalMs: 1_000,
      timeoutMs: options.timeoutMs ?? 180_000,
      timeoutError: () => new SpotboxError('The Spotbox agent was not installed on the replacement box.', 'See ~/.spotbox/agent.log and the cloud-init output on the box.'),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
}

export interface RestoreSummary {
  readonly seq?: number;
  readonly step?: number;
  readonly files?: number;
  readonly bytes?: number;
}

/** Downloads a checkpoint and the workspace saved with it, every file checked against its sha256. */
export async function restoreOnBox(client: Client, options: { seq?: number; checkpointDir: string; workspaceDir: string }): Promise<RestoreSummary> {
  const seq = options.seq !== undefined ? ` --seq ${Math.trunc(options.seq)}` : '';
  const restored = shellPath(RESTORED_FILE);
  await installSessionTools(client);
  const result = await runRemoteCommand(
    client,
    `python3 ${shellPath(SESSION_RUNNER)} restore --config ${shellPath(AGENT_CONFIG)}${seq} --dest-files ${shellPath(options.checkpointDir)} --dest-workspace ${shellPath(options.workspaceDir)} > ${restored}.tmp && mv ${restored}.tmp ${restored} && cat ${restored}`,
    { timeoutMs: 30 * 60_000 },
  );
  if (result.code !== 0) {
    throw new SpotboxError(`Restoring the checkpoint on the box failed: ${result.stderr.trim() || `exit code ${result.code}`}`, 'The previous checkpoints in S3 are intact; pick one with Spotbox: Restore Checkpoint.');
  }
  const line = result.stdout.trim().split('\n').at(-1) ?? '{}';
  try {
    return JSON.parse(line) as RestoreSummary;
  } catch {
    return {};
  }
}

/**
 * Starts the training session in tmux unless it already runs (a recovery continued after a reload
 * must not start it twice). The pane's process is Spotbox's session runner, not a shell: it
 * survives the signals the agent sends and passes them only to training processes that handle them
 * (resources/agent/spotbox_session.py), so the pane, and the trainer, stay.
 */
export async function startSessionOnBox(client: Client, options: { command: string; workingDir: string }): Promise<'started' | 'already-running'> {
  const tmux = `tmux -S ${shellPath(SESSION_SOCKET)}`;
  const running = await runRemoteCommand(client, `${tmux} has-session -t ${SESSION_NAME} 2>/dev/null`, { timeoutMs: 20_000 });
  if (running.code === 0) {
    return 'already-running';
  }
  await installSessionTools(client);
  // Several words after the session name: tmux runs them as they are, with no shell between it and the runner.
  const start = await runRemoteCommand(
    client,
    [
      `mkdir -p ${shellPath(options.workingDir)} ~/.spotbox`,
      `${tmux} new-session -d -s ${SESSION_NAME} -c ${shellPath(options.workingDir)} python3 ${shellPath(SESSION_RUNNER)} run -- ${shellWord(options.command)}`,
    ].join(' && '),
    { timeoutMs: 30_000 },
  );
  if (start.code !== 0) {
    throw new SpotboxError(`Starting the session on the box failed: ${start.stderr.trim() || `exit code ${start.code}`}`, 'Check "session.command" in .spotbox/profile.json and that tmux and python3 are installed on the image.');
  }
  return 'started';
}

/** Asks the agent for a checkpoint now and waits for its answer (the journal's committed/failed event). */
export async function checkpointNowOnBox(client: Client, options: { timeoutSeconds?: number } = {}): Promise<Record<string, unknown>> {
  const timeout = options.timeoutSeconds ?? 600;
  const result = await runRemoteCommand(client, `python3 ${shellPath(AGENT)} checkpoint-now --config ${shellPath(AGENT_CONFIG)} --wait --timeout ${timeout}`, { timeoutMs: (timeout + 30) * 1000 });
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  let event: Record<string, unknown> = {};
  try {
    event = JSON.parse(line) as Record<string, unknown>;
  } catch {
    // Reported below with the raw output.
  }
  if (result.code !== 0) {
    const reason = typeof event.error === 'string' ? event.error : result.stderr.trim() || line || `exit code ${result.code}`;
    throw new SpotboxError(`The checkpoint did not complete: ${reason}`, 'The previous checkpoint in the bucket is intact. See ~/.spotbox/journal.jsonl on the box.');
  }
  return event;
}
