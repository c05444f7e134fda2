/**
 * A box's SSH connections. sshd forks one process per connection directly under the listener;
 * killing those drops the connections the way a network cut would (no disconnect message) while
 * the box keeps accepting new ones. Orphaned user processes also end up under the listener (it is
 * the namespace init), so only sshd children count as connections.
 */
import { childrenOf, waitUntilGone } from './procfs';

export function connectionPids(listenerPid: number): number[] {
  return childrenOf(listenerPid)
    .filter((p) => p.comm === 'sshd')
    .map((p) => p.pid);
}

export async function dropConnections(listenerPid: number): Promise<number> {
  const pids = connectionPids(listenerPid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // the connection ended by itself meanwhile
    }
  }
  await waitUntilGone(pids, 3000);
  return pids.length;
}
