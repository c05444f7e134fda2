import { randomBytes } from 'node:crypto';
import { dalyOptimalIntervalMinutes } from '../estimate/daly';
import type { SpotboxProfile } from '../profile/profileTypes';
import { buildAgentConfig, DEFAULT_CHECKPOINT_DIR, type AgentConfig, type AgentTuning, type BootTool } from './agentConfig';
import { buildAgentUserData } from './agentUserData';
import { installPins } from './bootTools';

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

/** Minutes a checkpoint is assumed to take when "auto" picks the interval (the estimator's default). */
const AUTO_CHECKPOINT_MINUTES = 5;

/** Rarely interrupted pools still get a save every 12 h: a lost box without notice also happens. */
export const MAX_AUTO_INTERVAL_MINUTES = 12 * 60;

/** The optimal whole-minute interval for a pool interrupted `perHour` times an hour (Daly), at least 5 minutes. */
export function autoIntervalMinutes(interruptionsPerHour: number): number {
  const optimum = dalyOptimalIntervalMinutes(AUTO_CHECKPOINT_MINUTES, interruptionsPerHour > 0 ? 1 / interruptionsPerHour : Infinity);
  return Math.max(5, Math.min(MAX_AUTO_INTERVAL_MINUTES, Math.round(Number.isFinite(optimum) ? optimum : Infinity)));
}

/**
 * The agent a profile asks for (its `checkpoint` block), as launch user data; undefined when the
 * profile has no checkpoint block, since then there is nothing for an agent to save.
 */
export function agentForProfile(
  profile: SpotboxProfile,
  region: string,
  bootstrapSource: string,
  options: {
    lineage?: string;
    tuning?: AgentTuning;
    /** The launched pool's rate for intervalMinutes "auto" (autoInterval.ts: observed, Advisor prior). */
    interruptionsPerHour?: number;
    /** The agent and session tools the bootstrap installs from the bucket (bootTools.ts). */
    install?: readonly BootTool[];
    /** A fleet lineage: each box restores itself at boot. */
    restoreAtBoot?: boolean;
    /** On Google Cloud: the Cloud Storage origin when it is not Google's own (the editor's configured one). */
    gcsEndpoint?: string;
    /** On Azure: the checkpoint account's Blob endpoint, as ARM gives it. */
    blobEndpoint?: string;
  } = {},
): ProfileAgent | undefined {
  if (!profile.checkpoint) {
    return undefined;
  }
  const lineage = options.lineage ?? newLineageId(profile.name);
  const checkpointDir = profile.checkpoint.directory ?? DEFAULT_CHECKPOINT_DIR;
  const config = buildAgentConfig({
    ...(profile.cloud === 'gcp' ? { cloud: 'gcp' as const, ...(options.gcsEndpoint ? { gcsEndpoint: options.gcsEndpoint } : {}) } : {}),
    ...(profile.cloud === 'azure' ? { cloud: 'azure' as const, ...(options.blobEndpoint ? { blobEndpoint: options.blobEndpoint } : {}) } : {}),
    sessionId: lineage,
    region,
    workspaceDir: profile.workspaceDir,
    checkpoint: {
      ...profile.checkpoint,
      intervalMinutes: profile.checkpoint.intervalMinutes === 'auto' ? autoIntervalMinutes(options.interruptionsPerHour ?? 0) : profile.checkpoint.intervalMinutes,
    },
    ...(profile.session ? { session: profile.session } : {}),
    checkpointDir,
    ...(profile.checkpoint.signal ? { signal: profile.checkpoint.signal } : {}),
    ...(profile.checkpoint.noticeSignal ? { noticeSignal: profile.checkpoint.noticeSignal } : {}),
    ...(profile.session?.stepFile ? { stepFile: profile.session.stepFile } : {}),
    ...(options.restoreAtBoot && profile.session ? { boot: { command: profile.session.command, workingDir: profile.session.workingDir ?? profile.workspaceDir } } : {}),
    ...(options.install ? { install: installPins(options.install) } : {}),
    // Activity reports feed idle stop only; without it they would only grow the journal.
    tuning: { idleReportSeconds: profile.idleStopMinutes > 0 ? IDLE_REPORT_SECONDS : 0, ...options.tuning },
  });
  return { lineage, config, userData: buildAgentUserData({ bootstrapSource, config, user: profile.sshUser }), checkpointDir };
}
