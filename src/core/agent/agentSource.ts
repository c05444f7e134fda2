import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * The agent ships as a resource of the extension, next to the bundle, never inlined in TypeScript:
 * one file that the build assembles from the modules in resources/agent/src/agent/
 * (scripts/assembleAgent.mjs, run by `npm run build`).
 */
export const AGENT_SOURCE_PATH = path.join('dist', 'agent', 'spotbox_agent.py');

/** The bootstrap and the session tools: written by hand, shipped as they are. */
export const AGENT_RESOURCES_DIR = path.join('resources', 'agent');

/** Reads the agent from an extension root (the repository checkout after a build, or the installed extension). */
export function readAgentSource(extensionRoot: string): Promise<string> {
  return fs.readFile(path.join(extensionRoot, AGENT_SOURCE_PATH), 'utf8');
}
