import type { Client } from 'ssh2';
import { parseAgentEvent, type AgentEvent } from './agentEvents';

export interface JournalTailOptions {
  readonly connect: () => Promise<Client>;
  /** Stops reconnecting once the box is gone. */
  readonly boxAlive: () => Promise<boolean>;
  /** On the box; `~/` is the login user's home. */
  readonly journalPath?: string;
  readonly onEvent: (event: AgentEvent) => void;
  readonly onProblem?: (message: string) => void;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * Follows the agent's journal over SSH (`tail -F`), from its first line so that a window opened
 * mid-recovery sees the notice too. A dropped link is reconnected with backoff while the box lives;
 * lines already seen are skipped by count after a reconnect.
 */
export class JournalTail {
  private client: Client | undefined;
  private stopped = false;
  private linesSeen = 0;

  constructor(private readonly options: JournalTailOptions) {}

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.client?.end();
  }

  private async loop(): Promise<void> {
    let delay = this.options.initialBackoffMs ?? 1_000;
    while (!this.stopped) {
      try {
        await this.followOnce();
        delay = this.options.initialBackoffMs ?? 1_000;
      } catch (error) {
        this.options.onProblem?.(error instanceof Error ? error.message : String(error));
      }
      if (this.stopped || !(await this.options.boxAlive().catch(() => true))) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, this.options.maxBackoffMs ?? 15_000);
    }
  }

  private async followOnce(): Promise<void> {
    const client = await this.options.connect();
    if (this.stopped) {
      client.end();
      return;
    }
    this.client = client;
    const path = this.options.journalPath ?? '~/.spotbox/journal.jsonl';
    const quoted = path.startsWith('~/') ? `"$HOME"/'${path.slice(2)}'` : `'${path}'`;
    await new Promise<void>((resolve, reject) => {
      client.exec(`mkdir -p "$(dirname ${quoted})" && touch ${quoted} && exec tail -n +1 -F ${quoted} 2>/dev/null`, (error, stream) => {
        if (error) {
          reject(error);
          return;
        }
        let buffered = '';
        let index = 0;
        stream.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('utf8');
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            index++;
            if (index <= this.linesSeen) {
              continue;
            }
            this.linesSeen = index;
            const event = parseAgentEvent(line);
            if (event) {
              this.options.onEvent(event);
            }
          }
        });
        stream.stderr.resume();
        stream.on('close', () => resolve());
        client.on('close', () => resolve());
      });
    });
    this.client = undefined;
    client.end();
  }
}
