import type { BootTool } from '../../../src/core/agent/agentConfig';

/** What a launch pins for the bootstrap to install: at least the agent (the user data refuses less). */
export const AGENT_INSTALL: readonly BootTool[] = [{ key: 'spotbox/run-1/tools/0/spotbox_agent.py', path: '~/.spotbox/spotbox_agent.py', sha256: '0'.repeat(64) }];
