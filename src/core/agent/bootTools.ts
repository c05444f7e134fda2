import { createHash } from 'node:crypto';
import { sessionFolder, type CheckpointLocation } from '../checkpoint/checkpointLayout';
import { AGENT_PATHS, type BootTool } from './agentConfig';

/** One file as the box's bootstrap installs it: its text, where it goes, and the sha256 it must have. */
export interface BootToolFile extends BootTool {
  readonly content: Buffer;
}

/**
 * What a launch puts in the bucket for the bootstrap to install: the agent, then the session tools
 * (runner, trainer helper), keyed by content under the lineage's folder:
 * `<prefix>/<lineage>/tools/<sha256>/<name>`. The box refuses a file whose sha256 is not the one its
 * user data pins, so a rewritten object in the bucket runs nothing.
 */
export function agentInstallFiles(location: CheckpointLocation, lineage: string, agentSource: string, sessionTools: ReadonlyArray<{ readonly name: string; readonly remote: string; readonly content: Buffer }>): BootToolFile[] {
  return [{ name: 'spotbox_agent.py', remote: AGENT_PATHS.script, content: Buffer.from(agentSource, 'utf8') }, ...sessionTools].map((tool) => {
    const sha256 = createHash('sha256').update(tool.content).digest('hex');
    return { key: `${sessionFolder(location.prefix, lineage)}tools/${sha256}/${tool.name}`, path: tool.remote, sha256, content: tool.content };
  });
}

/** The pins the agent config carries (AgentConfig.install): each file without its content. */
export function installPins(files: readonly BootTool[]): BootTool[] {
  return files.map(({ key, path, sha256 }) => ({ key, path, sha256 }));
}
