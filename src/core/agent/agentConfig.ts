import { SpotboxError } from '../errors';
import type { CheckpointSettings, SessionSettings } from '../profile/profileTypes';

/** Signals the agent may send the training process group; anything else would be a typo or a kill. */
export const AGENT_SIGNALS = ['SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type AgentSignal = (typeof AGENT_SIGNALS)[number];

/** Where the agent lives on the box; `~` is the agent user's home, expanded by the agent. */
export const AGENT_PATHS = {
  dir: '~/.spotbox',
  script: '~/.spotbox/spotbox_agent.py',
  config: '~/.spotbox/agent.json',
  journal: '~/.spotbox/journal.jsonl',
  triggerFile: '~/.spotbox/checkpoint-now',
  /** The session runner writes the training job's process group id here, for the agent's signal. */
  sessionPidFile: '~/.spotbox/session.pid',
  log: '~/.spotbox/agent.log',
} as const;

/**
 * Where the box runs, which picks the agent's metadata server, notice watcher and object store
 * (resources/agent/src/agent/clouds.py). Absent means aws, so EC2 configs stay as they were.
 */
export const AGENT_CLOUDS = ['aws', 'gcp', 'azure'] as const;
export type AgentCloud = (typeof AGENT_CLOUDS)[number];

const STORE_WORDS: Record<AgentCloud, string> = { aws: 'S3 bucket', gcp: 'Cloud Storage bucket', azure: 'Blob storage account/container' };

/** Where the trainer writes its checkpoints when the caller names no other folder. */
export const DEFAULT_CHECKPOINT_DIR = '~/checkpoints';

/**
 * The agent's config file (`~/.spotbox/agent.json`), field for field as
 * the agent reads it (resources/agent/src/agent/config.py); absent fields take the agent's defaults.
 */
export interface AgentConfig {
  /** The cloud the box runs on; absent means aws. */
  readonly cloud?: AgentCloud;
  /** Checkpoints of one training job, kept across replacement boxes: `<prefix>/<session>/<seq>/`. */
  readonly session: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly checkpointDir: string;
  readonly workspaceDir?: string;
  readonly journal: string;
  readonly triggerFile: string;
  readonly signal?: AgentSignal;
  /** Sent instead of `signal` on a spot notice, e.g. SIGTERM for "save and stop": the box is going anyway. */
  readonly noticeSignal?: AgentSignal;
  readonly sessionPidFile?: string;
  /** A file holding the trainer's current step; journaled as `progress` so a lost box's last step is known. */
  readonly stepFile?: string;
  readonly checkpointCommand?: string;
  readonly checkpointCommandDir?: string;
  /** 0 = checkpoints only on a notice or on request. */
  readonly intervalSeconds: number;
  readonly quietSeconds?: number;
  readonly keep?: number;
  readonly workspaceMaxBytes?: number;
  /** Seconds before the notice's action time by which the upload must be done. */
  readonly noticeMarginSeconds?: number;
  /** Longest wait for the trainer's save outside a notice. */
  readonly settleTimeoutSeconds?: number;
  readonly pollSeconds?: number;
  readonly concurrency?: number;
  readonly uploadAttempts?: number;
  /** Seconds between `activity` journal events (SSH sessions, CPU, GPU, idle time) for idle stop; 0 = none. */
  readonly idleReportSeconds?: number;
  /** CPU and GPU use (percent) at or under which the box counts as idle. */
  readonly idleCpuPercent?: number;
  /** Overrides for S3-compatible stores; on AWS the agent uses https://s3.<region>.amazonaws.com. */
  readonly s3Endpoint?: string;
  readonly imdsEndpoint?: string;
  /** On gcp: the Cloud Storage JSON API's origin instead of https://storage.googleapis.com (the agent also reads STORAGE_EMULATOR_HOST). */
  readonly gcsEndpoint?: string;
  /** On azure: the storage account's Blob endpoint as ARM gives it (`https://<account>.blob.core.windows.net/`). */
  readonly blobEndpoint?: string;
  /** On azure: the container, in the account `blobEndpoint` names (the bucket field repeats it). */
  readonly container?: string;
  /** On gcp: the metadata server's host[:port] instead of metadata.google.internal (the agent also reads GCE_METADATA_HOST). */
  readonly gceMetadataHost?: string;
  /** Restore at boot (a fleet lineage): a replacement box brings itself back with no editor open. */
  readonly boot?: BootRestoreConfig;
  /**
   * What the user data's bootstrap (resources/agent/spotbox_bootstrap.py) installs from the bucket
   * before the agent starts: the agent itself and the session tools, each pinned by its sha256.
   */
  readonly install?: readonly BootTool[];
  /** How long the bootstrap waits for the editor's upload of `install` (default 600). */
  readonly installTimeoutSeconds?: number;
}

/** One file the box fetches from the checkpoint bucket at boot, refused unless its sha256 matches (bootTools.ts). */
export interface BootTool {
  /** The S3 key, in the lineage's bucket. */
  readonly key: string;
  /** Where it goes on the box (`~/...`). */
  readonly path: string;
  readonly sha256: string;
}

/**
 * What a box of a fleet lineage does at boot (resources/agent/spotbox_agent.py boot_restore, and
 * spotbox_session.py boot): wait for a predecessor's emergency checkpoint (handoff.json), restore
 * the newest complete checkpoint and the workspace, and start the session in tmux, journalling each
 * step. The session tools it runs are installed with the agent (AgentConfig.install).
 */
export interface BootRestoreConfig {
  /** The session's command in its resume form, run in tmux under the session runner. */
  readonly command: string;
  readonly workingDir: string;
  /** After a predecessor's notice action time, how long to wait for its emergency checkpoint. */
  readonly handoffGraceSeconds?: number;
}

export type AgentTuning = Partial<Pick<AgentConfig,
  'intervalSeconds' | 'quietSeconds' | 'keep' | 'workspaceMaxBytes' | 'noticeMarginSeconds' | 'settleTimeoutSeconds' | 'pollSeconds' | 'concurrency' | 'uploadAttempts' | 'idleReportSeconds' | 'idleCpuPercent'>>;

export interface AgentConfigInput {
  /** Names the checkpoints in S3; the same id on the replacement box continues the same sequence. */
  readonly sessionId: string;
  /** Default aws. */
  readonly cloud?: AgentCloud;
  /** An AWS region, or on gcp a Google Cloud region (us-central1). */
  readonly region: string;
  /** The profile's workspaceDir: saved with every checkpoint (minus .gitignore'd files). */
  readonly workspaceDir: string;
  /** With a whole number of minutes: "auto" is resolved for the launched pool first (agentForProfile). */
  readonly checkpoint: Omit<CheckpointSettings, 'intervalMinutes'> & { readonly intervalMinutes?: number };
  readonly session?: SessionSettings;
  readonly checkpointDir?: string;
  /** Sent to the session's process group before each checkpoint; requires a session. */
  readonly signal?: AgentSignal;
  readonly noticeSignal?: AgentSignal;
  readonly stepFile?: string;
  readonly tuning?: AgentTuning;
  readonly s3Endpoint?: string;
  readonly gcsEndpoint?: string;
  /** On azure (required there): the checkpoint account's Blob endpoint, from ARM. The bucket is `account/container`. */
  readonly blobEndpoint?: string;
  /** A fleet lineage's boot restore (needs the session it restarts). */
  readonly boot?: BootRestoreConfig;
  /** The files the bootstrap installs from the bucket (bootTools.ts). */
  readonly install?: readonly BootTool[];
}

const INTEGER_RANGES: Record<keyof AgentTuning, readonly [number, number]> = {
  intervalSeconds: [0, 7 * 24 * 3600],
  quietSeconds: [0, 600],
  keep: [1, 1000],
  workspaceMaxBytes: [0, Number.MAX_SAFE_INTEGER],
  noticeMarginSeconds: [0, 110],
  settleTimeoutSeconds: [0, 3600],
  pollSeconds: [1, 2],
  concurrency: [1, 64],
  uploadAttempts: [1, 20],
  idleReportSeconds: [0, 3600],
  idleCpuPercent: [0, 100],
};

/** The agent's config for a launch, from the profile's `checkpoint` and `session` blocks. */
export function buildAgentConfig(input: AgentConfigInput): AgentConfig {
  const fix = 'Fix .spotbox/profile.json.';
  const { checkpoint, session } = input;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(input.sessionId)) {
    throw new SpotboxError(`"${input.sessionId}" cannot name a checkpoint session: use up to 128 letters, digits, dots, dashes and underscores.`);
  }
  const cloud = input.cloud ?? 'aws';
  if (!(AGENT_CLOUDS as readonly string[]).includes(cloud)) {
    throw new SpotboxError(`"${String(cloud)}" is not a cloud the agent runs on (${AGENT_CLOUDS.join(', ')}).`);
  }
  if (cloud === 'aws' && !/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(input.region)) {
    throw new SpotboxError(`"${input.region}" is not an AWS region name.`);
  }
  if (cloud === 'gcp' && !/^[a-z]+-[a-z]+\d{1,2}$/.test(input.region)) {
    throw new SpotboxError(`"${input.region}" is not a Google Cloud region name.`);
  }
  if (cloud === 'azure' && !/^[a-z]+[a-z0-9]*$/.test(input.region)) {
    throw new SpotboxError(`"${input.region}" is not an Azure region name.`);
  }
  // Cloud Storage also allows underscores in bucket names; S3 does not; on Azure the bucket is account/container.
  const bucketRule = cloud === 'gcp' ? /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/ : cloud === 'azure' ? /^[a-z0-9]{3,24}\/[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/ : /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
  if (!bucketRule.test(checkpoint.bucket)) {
    throw new SpotboxError(`"${checkpoint.bucket}" is not a valid ${STORE_WORDS[cloud]} name.`, fix);
  }
  if (cloud === 'azure' && !input.blobEndpoint) {
    throw new SpotboxError('A box on Azure needs its checkpoint account\'s Blob endpoint.', 'This is a bug in Spotbox: report it with the Spotbox log.');
  }
  if (cloud !== 'aws' && input.s3Endpoint) {
    throw new SpotboxError(`An S3 endpoint was given for a box on ${cloud === 'gcp' ? 'Google Cloud, whose checkpoints go to Cloud Storage' : 'Azure, whose checkpoints go to Blob storage'}.`, 'This is a bug in Spotbox: report it with the Spotbox log.');
  }
  if (/\s/.test(checkpoint.prefix)) {
    throw new SpotboxError(`The checkpoint prefix "${checkpoint.prefix}" contains white space.`, fix);
  }
  const checkpointDir = input.checkpointDir ?? DEFAULT_CHECKPOINT_DIR;
  for (const [what, dir] of [['workspaceDir', input.workspaceDir], ['checkpoint folder', checkpointDir], ['session.workingDir', session?.workingDir]] as const) {
    if (dir !== undefined && !/^(~|\/)/.test(dir)) {
      throw new SpotboxError(`The ${what} "${dir}" must start with ~ or /.`, fix);
    }
  }
  if (input.signal !== undefined && !session) {
    throw new SpotboxError(`The agent can send ${input.signal} only to a session it knows of.`, 'Add a "session" block to .spotbox/profile.json, or use checkpoint.command to ask the trainer to save.');
  }
  for (const sent of [input.signal, input.noticeSignal]) {
    if (sent !== undefined && !(AGENT_SIGNALS as readonly string[]).includes(sent)) {
      throw new SpotboxError(`${String(sent)} is not a signal the agent sends (${AGENT_SIGNALS.join(', ')}).`, fix);
    }
  }
  if (input.noticeSignal !== undefined && !session) {
    throw new SpotboxError(`The agent can send ${input.noticeSignal} only to a session it knows of.`, 'Add a "session" block to .spotbox/profile.json.');
  }
  if (input.boot && !session) {
    throw new SpotboxError('A box can restore itself at boot only with a session to restart.', 'Add a "session" block to .spotbox/profile.json, or set "replacement": "editor".');
  }
  if (checkpoint.intervalMinutes !== undefined && !(Number.isInteger(checkpoint.intervalMinutes) && checkpoint.intervalMinutes >= 1)) {
    throw new SpotboxError(`checkpoint.intervalMinutes must be a whole number of minutes, at least 1 (got ${checkpoint.intervalMinutes}).`, fix);
  }
  const tuning: AgentTuning = { intervalSeconds: (checkpoint.intervalMinutes ?? 0) * 60, ...input.tuning };
  for (const [name, value] of Object.entries(tuning) as Array<[keyof AgentTuning, number | undefined]>) {
    const [min, max] = INTEGER_RANGES[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) {
      throw new SpotboxError(`Agent setting ${name} must be a whole number from ${min} to ${max} (got ${value}).`);
    }
  }
  return {
    ...(cloud !== 'aws' ? { cloud } : {}),
    session: input.sessionId,
    // On Azure the agent's store is the container in the account blobEndpoint names.
    bucket: cloud === 'azure' ? checkpoint.bucket.split('/')[1] : checkpoint.bucket,
    ...(cloud === 'azure' ? { container: checkpoint.bucket.split('/')[1], blobEndpoint: input.blobEndpoint } : {}),
    prefix: checkpoint.prefix.replace(/^\/+|\/+$/g, ''),
    region: input.region,
    checkpointDir,
    workspaceDir: input.workspaceDir,
    journal: AGENT_PATHS.journal,
    triggerFile: AGENT_PATHS.triggerFile,
    ...(session ? { sessionPidFile: AGENT_PATHS.sessionPidFile } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.noticeSignal ? { noticeSignal: input.noticeSignal } : {}),
    ...(input.stepFile ? { stepFile: input.stepFile } : {}),
    ...(checkpoint.command ? { checkpointCommand: checkpoint.command, checkpointCommandDir: session?.workingDir ?? input.workspaceDir } : {}),
    ...(input.s3Endpoint ? { s3Endpoint: input.s3Endpoint } : {}),
    ...(input.gcsEndpoint ? { gcsEndpoint: input.gcsEndpoint } : {}),
    ...(input.boot ? { boot: input.boot } : {}),
    ...(input.install ? { install: input.install } : {}),
    intervalSeconds: 0,
    ...tuning,
  };
}
