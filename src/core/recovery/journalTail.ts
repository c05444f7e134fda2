import type { Client } from 'ssh2';
import type { Clock } from '../time/clock';
import { done, notYet, pollUntil } from '../time/poll';
import { parseAgentEvent, type AgentEvent } from './agentEvents';
import { JournalStreamReader, type JournalCursor } from './journalCursor';
import { followJournalCommand } from './journalFollowCommand';

export type { JournalCursor } from './journalCursor';

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
  /** Where an earlier tail of the same box stopped (its `cursor`); absent: from the start of both generations. */
  readonly resumeFrom?: JournalCursor;
  readonly clock?: Clock;
}

/**
 * Follows the agent's journal over SSH, from its start (the rotated generation included) so that a
 * window opened mid-recovery sees the notice too. A dropped link is reconnected with backoff while
 * the box lives, and the follow resumes at the byte where it stopped, in the file it was reading:
 * a journal the agent rotated meanwhile is finished first (journalFollowCommand.ts), and nothing is
 * read twice.
 */
export class JournalTail {
  private client: Client | undefined;
  private readonly stopped = new AbortController();
  private position: JournalCursor | undefined;

  constructor(private readonly options: JournalTailOptions) {
    this.position = options.resumeFrom;
  }

  /** How far the journal has been read; give it to a later tail's `resumeFrom` to go on from there. */
  get cursor(): JournalCursor | undefined {
    return this.position;
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped.abort();
    this.client?.end();
  }

  private async loop(): Promise<void> {
    const initialBackoffMs = this.options.initialBackoffMs ?? 1_000;
    for (let round = 0; !this.stopped.signal.aborted; round++) {
      let client: Client | undefined;
      try {
        client = await pollUntil(
          async ({ attempt }) => {
            if ((round > 0 || attempt > 0) && !(await this.options.boxAlive().catch(() => true))) {
              return done(undefined);
            }
            try {
              return done(await this.options.connect());
            } catch (error) {
              this.problem(error);
              return notYet(messageOf(error));
            }
          },
          {
            describe: 'an SSH connection to follow the agent journal',
            intervalMs: initialBackoffMs,
            backoffFactor: 2,
            maxIntervalMs: this.options.maxBackoffMs ?? 15_000,
            // After a dropped link, a pause before the first reconnect, as between failed ones.
            firstLookAfterMs: round > 0 ? initialBackoffMs : 0,
            signal: this.stopped.signal,
            ...(this.options.clock ? { clock: this.options.clock } : {}),
          },
        );
      } catch {
        return; // Stopped.
      }
      if (!client) {
        return; // The box is gone.
      }
      try {
        await this.followOnce(client);
      } catch (error) {
        this.problem(error);
      }
    }
  }

  private async followOnce(client: Client): Promise<void> {
    if (this.stopped.signal.aborted) {
      client.end();
      return;
    }
    this.client = client;
    const reader = new JournalStreamReader(this.position);
    try {
      await new Promise<void>((resolve, reject) => {
        client.exec(followJournalCommand(this.options.journalPath ?? '~/.spotbox/journal.jsonl', this.position), (error, stream) => {
          if (error) {
            reject(error);
            return;
          }
          stream.on('data', (chunk: Buffer) => {
            for (const line of reader.push(chunk)) {
              const event = parseAgentEvent(line);
              if (event) {
                this.options.onEvent(event);
              }
            }
            this.position = reader.cursor;
          });
          stream.stderr.resume();
          stream.on('close', () => resolve());
          client.on('close', () => resolve());
        });
      });
    } finally {
      this.client = undefined;
      client.end();
    }
  }

  private problem(error: unknown): void {
    this.options.onProblem?.(messageOf(error));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
