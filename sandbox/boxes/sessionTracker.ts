/**
 * A box's SSH connections. sshd forks one process per connection directly under the listener (the
 * privileged monitor, `sshd: ubuntu [priv]`), which forks the unprivileged one running as the user
 * (`sshd: ubuntu@pts/0`) that holds the socket. Killing both drops the connection the way a network
 * cut would (no disconnect message) while the box keeps accepting new ones; killing the monitor
 * alone would leave the user's half holding the socket. Orphaned user processes also end up under
 * the listener (it is the namespace init), so only sshd processes count as connections.
 */
import { childrenOf, waitUntilGone } from './procfs';

export function connectionPids(listenerPid: number): number[] {
  return childrenOf(listenerPid)
    .filter((p) => p.comm === 'sshd')
    .map((p) => p.pid);
}

/** A connection's monitor and the sshd processes under it (not the user's shell and its jobs). */
function connectionSshdTree(monitorPid: number): number[] {
  return [monitorPid, ...childrenOf(monitorPid).filter((p) => p.comm === 'sshd').flatMap((p) => connectionSshdTree(p.pid))];
}

export async function dropConnections(listenerPid: number): Promise<number> {
  const connections = connectionPids(listenerPid);
  // Read every tree before killing anything: a killed monitor's children move to the listener.
  const pids = connections.flatMap(connectionSshdTree);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // the connection ended by itself meanwhile
    }
  }
  await waitUntilGone(pids, 3000);
  return connections.length;
}
