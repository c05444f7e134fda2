import { createHash } from 'node:crypto';
import { sessionFolder, type CheckpointLocation } from '../checkpoint/checkpointLayout';
import type { BootTool } from './agentConfig';

/** One file as the box's bootstrap installs it: its text, where it goes, and the sha256 it must have. */
export interface BootToolFile extends BootTool {
  readonly content: Buffer;
}

/**
 * The agent and the session tools (runner, trainer helper) of a lineage, keyed by content under
 * the lineage's folder: `<prefix>/<lineage>/tools/<sha256>/<name>`. The box refuses a file whose
 * sha256 is not the one its user data pins, so a rewritten object in the bucket runs nothing.
 */
export function bootToolFiles(location: CheckpointLocation, lineage: string, tools: ReadonlyArray<{ readonly name: string; readonly remote: string; readonly content: Buffer }>): BootToolFile[] {
  return tools.map((tool) => {
    const sha256 = createHash('sha256').update(tool.content).digest('hex');
    return { key: `${sessionFolder(location.prefix, lineage)}tools/${sha256}/${tool.name}`, path: tool.remote, sha256, content: tool.content };
  });
}
