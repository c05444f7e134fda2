import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The agent ships as a resource of the extension, next to the bundle, never inlined in TypeScript. */
export const AGENT_SOURCE_PATH = path.join('resources', 'agent', 'spotbox_agent.py');

/** Reads the agent from an extension root (the repository checkout or the installed extension). */
export function readAgentSource(extensionRoot: string): Promise<string> {
  return fs.readFile(path.join(extensionRoot, AGENT_SOURCE_PATH), 'utf8');
}
