import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { AGENT_SOURCE_PATH } from '../src/core/agent/agentSource';

const REPO_ROOT = path.resolve(__dirname, '../..');
let assembled = false;

/**
 * Assembles the agent's modules into dist/agent/spotbox_agent.py, as `npm run build` does, once per
 * test process: a test run on its own (one mocha file, no build first) then tests the modules as they
 * are now, never a file left by an older build. Returns the file's folder.
 */
export function assembleAgentForTests(): string {
  if (!assembled) {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'assembleAgent.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
    assembled = true;
  }
  return path.join(REPO_ROOT, path.dirname(AGENT_SOURCE_PATH));
}
