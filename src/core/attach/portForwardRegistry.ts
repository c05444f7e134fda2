import { Emitter } from '../events';
import type { PortForward } from '../ssh/portForward';

export interface ActivePortForward {
  readonly instanceId: string;
  readonly boxName: string;
  readonly remotePort: number;
  readonly localPort: number;
  readonly url: string;
}

/**
 * The port forwards this window holds, by box. Forwards of a box that is gone are closed so no
 * local listener outlives it; asking again for a port already forwarded returns the existing one.
 */
export class PortForwardRegistry {
  private readonly forwards = new Map<string, { info: ActivePortForward; forward: PortForward }>();
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;

  get active(): readonly ActivePortForward[] {
    return [...this.forwards.values()].map((entry) => entry.info);
  }

  find(instanceId: string, remotePort: number): ActivePortForward | undefined {
    return this.forwards.get(keyOf(instanceId, remotePort))?.info;
  }

  add(instanceId: string, boxName: string, remotePort: number, forward: PortForward): ActivePortForward {
    const info: ActivePortForward = { instanceId, boxName, remotePort, localPort: forward.localPort, url: `http://localhost:${forward.localPort}/` };
    const key = keyOf(instanceId, remotePort);
    const previous = this.forwards.get(key);
    this.forwards.set(key, { info, forward });
    void previous?.forward.close();
    this.changed.fire();
    return info;
  }

  /** Called when the forward closed by itself (its SSH link went away). */
  closed(instanceId: string, remotePort: number, forward: PortForward): void {
    const key = keyOf(instanceId, remotePort);
    if (this.forwards.get(key)?.forward === forward) {
      this.forwards.delete(key);
      this.changed.fire();
    }
  }

  async close(instanceId: string, remotePort: number): Promise<void> {
    const key = keyOf(instanceId, remotePort);
    const entry = this.forwards.get(key);
    if (entry) {
      this.forwards.delete(key);
      this.changed.fire();
      await entry.forward.close();
    }
  }

  /** Closes the forwards of every box not in `liveInstanceIds`. */
  async closeGone(liveInstanceIds: ReadonlySet<string>): Promise<void> {
    const gone = [...this.forwards.values()].filter((entry) => !liveInstanceIds.has(entry.info.instanceId));
    await Promise.all(gone.map((entry) => this.close(entry.info.instanceId, entry.info.remotePort)));
  }

  async dispose(): Promise<void> {
    const all = [...this.forwards.values()];
    this.forwards.clear();
    this.changed.dispose();
    await Promise.all(all.map((entry) => entry.forward.close()));
  }
}

function keyOf(instanceId: string, remotePort: number): string {
  return `${instanceId}:${remotePort}`;
}
