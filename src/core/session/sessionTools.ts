import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'ssh2';
import { AGENT_RESOURCES_DIR } from '../agent/agentSource';
import { SpotboxError } from '../errors';
import { runRemoteCommand, shellPath } from '../ssh/runRemoteCommand';

/**
 * The session's files on the box, next to the agent: the runner that holds the training session
 * and delivers signals into it, and the trainer helper module on the session's PYTHONPATH. They go
 * over the SSH connection that starts the session, not in the user data (the agent fills it).
 */
export const SESSION_TOOLS = [
  { source: 'spotbox_session.py', remote: '~/.spotbox/spotbox_session.py' },
  { source: 'spotbox_train.py', remote: '~/.spotbox/python/spotbox_train.py' },
] as const;

export const SESSION_RUNNER = '~/.spotbox/spotbox_session.py';

/**
 * resources/agent of this installation: two folders up from the bundle (dist/), or further from the
 * compiled tests (out/src/core/session/); the first ancestor that holds it.
 */
export function sessionToolsDirectory(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, AGENT_RESOURCES_DIR);
    if (fs.existsSync(path.join(candidate, SESSION_TOOLS[0].source))) {
      return candidate;
    }
    if (path.dirname(dir) === dir) {
      throw new SpotboxError('Spotbox cannot find its session tools (resources/agent/spotbox_session.py).', 'Reinstall the Spotbox extension.');
    }
  }
}

/** The session tools' files as they ship (resources/agent), for a fleet lineage's bucket (bootTools.ts). */
export async function readSessionTools(directory = sessionToolsDirectory()): Promise<Array<{ name: string; remote: string; content: Buffer }>> {
  return Promise.all(SESSION_TOOLS.map(async ({ source, remote }) => ({ name: source, remote, content: await fs.promises.readFile(path.join(directory, source)) })));
}

/** The bootstrap the launch's user data carries (it installs the agent and the tools from the bucket). */
export function readBootstrapSource(directory = sessionToolsDirectory()): Promise<string> {
  return fs.promises.readFile(path.join(directory, 'spotbox_bootstrap.py'), 'utf8');
}

/**
 * Copies the session tools onto the box (each written to a temporary name of this shell's own, then
 * renamed): on a replacement the launch's bootstrap may be installing the same files at this moment.
 */
export async function installSessionTools(client: Client, options: { directory?: string; signal?: AbortSignal } = {}): Promise<void> {
  const directory = options.directory ?? sessionToolsDirectory();
  const steps = SESSION_TOOLS.map(({ source, remote }) => {
    const encoded = fs.readFileSync(path.join(directory, source)).toString('base64');
    const target = shellPath(remote);
    return `mkdir -p "$(dirname ${target})" && printf %s '${encoded}' | base64 -d > ${target}.$$.tmp && mv ${target}.$$.tmp ${target}`;
  });
  const result = await runRemoteCommand(client, steps.join(' && '), { timeoutMs: 60_000, ...(options.signal ? { signal: options.signal } : {}) });
  if (result.code !== 0) {
    throw new SpotboxError(`Installing the session tools on the box failed: ${result.stderr.trim() || `exit code ${result.code}`}`, 'Check that the box has python3, base64 and free space in its home folder.');
  }
}
