/**
 * Reads /proc to find a box's processes. The host cannot rely on cgroups (v2 is not mounted), so
 * the PID namespace is what groups a box's processes, and /proc is how the host sees them.
 */
import * as fs from 'fs';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

function readProcStat(pid: number): ProcInfo | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may itself contain spaces and parentheses: it ends at the last ')'.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const rest = stat.slice(close + 2).split(' ');
    return { pid, ppid: Number(rest[1]), comm: stat.slice(open + 1, close) };
  } catch {
    return undefined; // the process ended while we looked
  }
}

export function listPids(): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

export function childrenOf(ppid: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const pid of listPids()) {
    const info = readProcStat(pid);
    if (info && info.ppid === ppid) {
      out.push(info);
    }
  }
  return out;
}

/** Identity of a process's PID namespace, e.g. 'pid:[4026532281]'; undefined once it is gone. */
export function pidNamespaceOf(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

export function pidsInNamespace(ns: string): number[] {
  return listPids().filter((pid) => pidNamespaceOf(pid) === ns);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until no process in `pids` is left (zombies included, as /proc still lists them). */
export async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!pids.some((pid) => fs.existsSync(`/proc/${pid}`))) {
      return true;
    }
    if (Date.now() > deadline) {
      return false;
    }
    await sleep(20);
  }
}
