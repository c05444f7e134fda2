import * as fs from 'node:fs';
import type { Box } from '../core/boxes/box';
import type { BoxStore } from '../core/boxes/boxStore';
import { connectEndpoint } from '../core/attach/connectEndpoint';
import type { AgentEvent } from '../core/recovery/agentEvents';
import { JournalTail } from '../core/recovery/journalTail';
import type { Logger } from '../core/logging/logger';
import { keyFileNameOf, privateKeyPathFor } from '../core/ssh/privateKeyFile';
import type { BoxEndpoints } from '../attach/boxEndpoints';

/**
 * Follows the agent journal of every running box this machine holds the key of, so a spot notice
 * reaches the editor within a poll of the agent (about 2 s) plus one SSH round trip.
 */
export class InterruptionWatcher {
  private readonly tails = new Map<string, JournalTail>();

  constructor(
    private readonly store: BoxStore,
    private readonly endpoints: BoxEndpoints,
    private readonly keyDirectory: string,
    private readonly onEvent: (box: Box, event: AgentEvent) => void,
    private readonly logger: Logger,
  ) {}

  /** Key names come from the cloud's tags: only a plain file name is looked up in the key folder. */
  private hasKeyFile(box: Box): boolean {
    const keyFile = keyFileNameOf(box);
    if (!keyFile) return false;
    try {
      return fs.existsSync(privateKeyPathFor(this.keyDirectory, keyFile));
    } catch {
      return false;
    }
  }

  sync(boxes: readonly Box[]): void {
    const watched = boxes.filter((box) => (box.state === 'running' || box.state === 'interrupting') && this.hasKeyFile(box));
    const ids = new Set(watched.map((box) => box.instanceId));
    for (const [instanceId, tail] of this.tails) {
      if (!ids.has(instanceId)) {
        tail.stop();
        this.tails.delete(instanceId);
      }
    }
    for (const box of watched) {
      if (!this.tails.has(box.instanceId)) {
        this.follow(box);
      }
    }
  }

  private follow(box: Box): void {
    let problemsLogged = 0;
    const tail = new JournalTail({
      connect: async () => connectEndpoint(await this.endpoints.endpointOf(box), { retries: 2, keepaliveIntervalMs: 5_000, keepaliveCountMax: 3 }),
      boxAlive: async () => this.store.boxes.some((candidate) => candidate.instanceId === box.instanceId && (candidate.state === 'running' || candidate.state === 'interrupting')),
      onEvent: (event) => this.onEvent(box, event),
      onProblem: (message) => {
        // A box that never gets reachable should not flood the log.
        if (problemsLogged++ < 3) {
          this.logger.debug(`following the agent journal of ${box.name}: ${message}`);
        }
      },
    });
    this.tails.set(box.instanceId, tail);
    tail.start();
  }

  dispose(): void {
    for (const tail of this.tails.values()) {
      tail.stop();
    }
    this.tails.clear();
  }
}
