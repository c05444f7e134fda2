import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { assembleAgentForTests } from '../../assembledAgent';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const AGENT_DIR = path.join(REPO_ROOT, 'resources', 'agent');

/**
 * Runs Python code with the agent importable as `spotbox_agent` (the assembled file, with the bootstrap it
 * imports SigV4 from) and returns what it prints as JSON.
 * -B: no __pycache__ next to the agent (resources/ ships in the extension package).
 */
export function runAgentPython<T>(code: string, input?: unknown): T {
  const stdout = execFileSync('python3', ['-B', '-c', `import json, sys\nsys.path[:0] = ${JSON.stringify([assembleAgentForTests(), AGENT_DIR])}\nimport spotbox_agent as agent\n${code}`], {
    input: input === undefined ? '' : JSON.stringify(input),
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(stdout) as T;
}
