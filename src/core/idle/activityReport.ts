import { numberField, type AgentEvent } from '../recovery/agentEvents';

/** One `activity` event of the box agent (resources/agent/README.md, "Journal"). */
export interface ActivityReport {
  /** Epoch milliseconds, box clock. */
  readonly time: number;
  /** SSH connections of a user: with a pty, or running anything but Spotbox's journal tail. */
  readonly sshSessions: number;
  readonly cpuPercent?: number;
  /** The busiest GPU; absent without nvidia-smi. */
  readonly gpuPercent?: number;
  /** How long the box has had no session and CPU and GPU at or under the agent's idleCpuPercent. */
  readonly idleSeconds: number;
}

/** The report an agent event carries; undefined for other events and malformed ones. */
export function activityReportOf(event: AgentEvent): ActivityReport | undefined {
  if (event.type !== 'activity') {
    return undefined;
  }
  const sshSessions = numberField(event, 'sshSessions');
  const idleSeconds = numberField(event, 'idleSeconds');
  if (sshSessions === undefined || idleSeconds === undefined || sshSessions < 0 || idleSeconds < 0) {
    return undefined;
  }
  const cpuPercent = numberField(event, 'cpuPercent');
  const gpuPercent = numberField(event, 'gpuPercent');
  return {
    time: event.time,
    sshSessions,
    idleSeconds,
    ...(cpuPercent !== undefined ? { cpuPercent } : {}),
    ...(gpuPercent !== undefined ? { gpuPercent } : {}),
  };
}

/**
 * When the box's current idle period began (epoch ms, box clock); undefined while it is busy.
 * Constant over one idle period whatever reports were missed, so it tells periods apart.
 */
export function idlePeriodOf(report: ActivityReport): number | undefined {
  return report.sshSessions === 0 && report.idleSeconds > 0 ? report.time - report.idleSeconds * 1000 : undefined;
}
