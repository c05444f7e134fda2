import type { Client } from 'ssh2';
import { runRemoteCommand, shellWord } from '../ssh/runRemoteCommand';

/**
 * The editor's own look at a box right before idle stop terminates it. The agent's `activity` lines
 * are only a claim: the journal is a file any process on the box can append to, so a forged line
 * could report a busy box idle for hours. Termination therefore also needs this check, taken over
 * the editor's own SSH connection at decision time, and nothing the editor itself sees in use.
 *
 * Its limit, honestly: the numbers still come from the box (its /proc and nvidia-smi). An ordinary
 * process there cannot fake them the way it can write a journal line — it can neither hide another
 * user's sshd session nor lower the kernel's CPU counters (it can only make the box look busier,
 * which fails safe) — but a process with root on the box can. Root there can also end the box
 * itself, so the check protects against the journal being forged, not against a compromised box.
 * Off the box, EC2 and CloudWatch know nothing of SSH sessions, and CloudWatch is not there offline.
 */
export interface BoxUseSample {
  /** SSH connections of a user, counted as the agent counts them (pty, or running a command). */
  readonly sshSessions: number;
  readonly cpuPercent: number;
  /** The busiest GPU; absent without nvidia-smi. */
  readonly gpuPercent?: number;
}

export type IdleConfirmation = { readonly idle: true } | { readonly idle: false; readonly reasons: readonly string[] };

/** The agent's default idleCpuPercent: at or under this CPU and GPU use the box is quiet. */
export const IDLE_BUSY_PERCENT = 10;

/** Names this check's own SSH command, so that it does not count itself as a user of the box. */
const SELF_MARK = 'spotbox-idle-check';

/**
 * Samples the box like the agent's Activity does (resources/agent/spotbox_agent.py), kept apart from
 * the agent's file on purpose: that file lives on the box and can be changed there. Python 3 is on
 * every box with idle stop, since the agent needs it. `procRoot` only for tests (a fake /proc).
 */
export function boxUseScript(sampleSeconds: number, procRoot = '/proc'): string {
  return `
import json, os, re, subprocess, time
MARK = '${SELF_MARK}'
PROC = ${JSON.stringify(procRoot)}
def cpu():
    with open(PROC + '/stat') as f:
        t = [int(x) for x in f.readline().split()[1:9]]
    return sum(t) - t[3], sum(t)
before = cpu()
time.sleep(${sampleSeconds})
after = cpu()
busy, total = after[0] - before[0], after[1] - before[1]
procs = []
for pid in os.listdir(PROC):
    if not pid.isdigit():
        continue
    try:
        with open('%s/%s/stat' % (PROC, pid)) as f:
            ppid = f.read().rsplit(')', 1)[1].split()[1]
        with open('%s/%s/cmdline' % (PROC, pid)) as f:
            procs.append((pid, ppid, f.read().replace('\\0', ' ').strip()))
    except (OSError, IndexError):
        pass
def user(pid, cmd):
    return '@pts/' in cmd or any(p == pid and 'journal.jsonl' not in c and MARK not in c for _, p, c in procs)
sessions = sum(1 for pid, _, cmd in procs if re.match(r'sshd(-session)?: \\S+@', cmd) and user(pid, cmd))
gpu = None
try:
    gpu = max(float(x) for x in subprocess.run(['nvidia-smi', '--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'], capture_output=True, timeout=20).stdout.split())
except (OSError, ValueError, subprocess.SubprocessError):
    pass
print(json.dumps(dict(sshSessions=sessions, cpuPercent=round(100.0 * busy / max(1, total), 1), gpuPercent=gpu)))
`;
}

/** Takes a fresh sample over an open SSH connection; CPU is measured over `sampleSeconds`. */
export async function sampleBoxUse(client: Client, options: { sampleSeconds?: number; signal?: AbortSignal } = {}): Promise<BoxUseSample> {
  const sampleSeconds = options.sampleSeconds ?? 3;
  const result = await runRemoteCommand(client, `python3 -c ${shellWord(boxUseScript(sampleSeconds))}`, { timeoutMs: (sampleSeconds + 30) * 1000, ...(options.signal ? { signal: options.signal } : {}) });
  const sample = result.code === 0 ? parseBoxUseSample(result.stdout) : undefined;
  if (!sample) {
    throw new Error(`the box's use could not be sampled (exit ${String(result.code)}): ${result.stderr.trim().slice(-200) || result.stdout.trim().slice(-200)}`);
  }
  return sample;
}

export function parseBoxUseSample(stdout: string): BoxUseSample | undefined {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const { sshSessions, cpuPercent, gpuPercent } = parsed;
    if (typeof sshSessions !== 'number' || typeof cpuPercent !== 'number') {
      return undefined;
    }
    return { sshSessions, cpuPercent, ...(typeof gpuPercent === 'number' ? { gpuPercent } : {}) };
  } catch {
    return undefined;
  }
}

export interface BoxUsePorts {
  /** What the editor itself sees using the box: its Spotbox terminals, a Remote-SSH window on it. */
  readonly editorUse: () => readonly string[];
  readonly sample: () => Promise<BoxUseSample>;
  /** CPU and GPU use above which the box is in use (IDLE_BUSY_PERCENT, the agent's default). */
  readonly busyPercent?: number;
}

/**
 * Idle only if the editor sees no use of its own and its fresh sample shows no session and quiet
 * CPU and GPU. A sample that cannot be taken keeps the box: no evidence, no termination.
 */
export async function confirmBoxIdle(ports: BoxUsePorts): Promise<IdleConfirmation> {
  const reasons = [...ports.editorUse()];
  const busyPercent = ports.busyPercent ?? IDLE_BUSY_PERCENT;
  try {
    const sample = await ports.sample();
    if (sample.sshSessions > 0) {
      reasons.push(`${sample.sshSessions} SSH session${sample.sshSessions === 1 ? '' : 's'} on the box`);
    }
    if (sample.cpuPercent > busyPercent) {
      reasons.push(`CPU at ${sample.cpuPercent} %`);
    }
    if (sample.gpuPercent !== undefined && sample.gpuPercent > busyPercent) {
      reasons.push(`GPU at ${sample.gpuPercent} %`);
    }
  } catch (error) {
    reasons.push(`Spotbox could not check the box itself (${error instanceof Error ? error.message : String(error)})`);
  }
  return reasons.length === 0 ? { idle: true } : { idle: false, reasons };
}
