import { randomBytes } from 'node:crypto';
import type { SpotboxProfile } from '../profile/profileTypes';
import { buildAgentConfig, DEFAULT_CHECKPOINT_DIR, type AgentConfig, type AgentTuning } from './agentConfig';
import { buildAgentUserData } from './agentUserData';

export interface ProfileAgent {
  /** The lineage id: names the checkpoints in S3, kept by every replacement box. */
  readonly lineage: string;
  readonly config: AgentConfig;
  readonly userData: string;
  readonly checkpointDir: string;
}

/** How often the agent reports activity for idle stop: a minute is fine-grained enough for a limit in minutes. */
export const IDLE_REPORT_SECONDS = 60;

/** A new lineage id: the box name (readable in S3 listings) and a random suffix. */
export function newLineageId(boxName: string): string {
  return `${boxName}-${randomBytes(4).toString('hex')}`;
}

/**
 * The agent a profile asks for (its `checkpoint` block), as launch user data; undefined when the
 * profile has no checkpoint block, since then there is nothing for an agent to save.
 */
export function agentForProfile(profile: SpotboxProfile, region: string, agentSource: string, options: { lineage?: string; tuning?: AgentTuning } = {}): ProfileAgent | undefined {
  if (!profile.checkpoint) {
    return undefined;
  }
  const lineage = options.lineage ?? newLineageId(profile.name);
  const checkpointDir = profile.checkpoint.directory ?? DEFAULT_CHECKPOINT_DIR;
  const config = buildAgentConfig({
    sessionId: lineage,
    region,
    workspaceDir: profile.workspaceDir,
    checkpoint: profile.checkpoint,
    ...(profile.session ? { session: profile.session } : {}),
    checkpointDir,
    ...(profile.checkpoint.signal ? { signal: profile.checkpoint.signal } : {}),
    ...(profile.checkpoint.noticeSignal ? { noticeSignal: profile.checkpoint.noticeSignal } : {}),
    ...(profile.session?.stepFile ? { stepFile: profile.session.stepFile } : {}),
    // Activity reports feed idle stop only; without it they would only grow the journal.
    tuning: { idleReportSeconds: profile.idleStopMinutes > 0 ? IDLE_REPORT_SECONDS : 0, ...options.tuning },
  });
  return { lineage, config, userData: buildAgentUserData({ agentSource, config, user: profile.sshUser }), checkpointDir };
}
