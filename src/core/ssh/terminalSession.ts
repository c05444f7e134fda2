import type { Client, ClientChannel } from 'ssh2';
import { done, notYet, pollUntil } from '../time/poll';

export interface TerminalSessionCallbacks {
  /** Output for the terminal (remote shell output, UTF-8 decoded). */
  readonly onData: (text: string) => void;
  /** The session ended for good; `reason` is shown to the user. */
  readonly onClose: (reason: string) => void;
  /** A one-line status (reconnecting, reconnected, giving up), shown between output. */
  readonly onStatus: (text: string) => void;
}

export interface TerminalSessionOptions extends TerminalSessionCallbacks {
  /** A connected client (e.g. connectToBox with keepalive, so a dead link is noticed within ~30 s). */
  readonly connect: () => Promise<Client>;
  /** Whether the box still exists (e.g. DescribeInstances says running); reconnecting stops once it does not. */
  readonly boxAlive: () => Promise<boolean>;
  readonly term?: string;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The logic behind a Pseudoterminal over an SSH shell, kept free of `vscode` so it can be tested
 * against a real sshd. A dropped connection is not the end of the session: a spot box keeps running
 * through network blips, so the session reconnects (a new shell) for as long as the box lives.
 */
export class TerminalSession {
  private client: Client | undefined;
  private channel: ClientChannel | undefined;
  private size = { cols: 80, rows: 24 };
  private closed = false;
  private reconnecting = false;
  /** Aborted once the session ends: a reconnect in its backoff pause stops at once. */
  private readonly stopped = new AbortController();
  /** Typed before the first shell was up (the terminal shows at once, the connection takes seconds). */
  private pendingInput: string[] | undefined = [];

  constructor(private readonly options: TerminalSessionOptions) {}

  async open(cols: number, rows: number): Promise<void> {
    this.size = { cols, rows };
    try {
      await this.startShell();
    } catch (error) {
      this.finish(`Could not open a shell on the box: ${messageOf(error)}`);
      throw error;
    }
  }

  /**
   * Keystrokes typed before the first shell opens are sent once it does; keystrokes typed while
   * reconnecting are dropped, not replayed later into a new shell.
   */
  input(text: string): void {
    if (this.pendingInput) {
      this.pendingInput.push(text);
      return;
    }
    this.channel?.write(text);
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.channel?.setWindow(rows, cols, 0, 0);
  }

  close(): void {
    this.finish('Terminal closed.');
  }

  private async startShell(): Promise<void> {
    const client = await this.options.connect();
    if (this.closed) {
      client.end();
      return;
    }
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.shell({ term: this.options.term ?? 'xterm-256color', cols: this.size.cols, rows: this.size.rows }, (error, stream) => (error ? reject(error) : resolve(stream))),
    );
    this.client = client;
    this.channel = channel;
    const early = this.pendingInput ?? [];
    this.pendingInput = undefined;
    for (const text of early) {
      channel.write(text);
    }
    let exited: string | undefined;
    channel.on('data', (chunk: Buffer) => this.options.onData(chunk.toString('utf8')));
    channel.stderr.on('data', (chunk: Buffer) => this.options.onData(chunk.toString('utf8')));
    // 'exit' means the remote shell ended on purpose (the user typed `exit`): no reconnect.
    channel.on('exit', (code: number | null, signal?: string) => (exited = signal ? `signal ${signal}` : `code ${code ?? 0}`));
    const lost = (): void => {
      if (this.client !== client) {
        return; // An old connection closing after a newer one took over.
      }
      this.client = undefined;
      this.channel = undefined;
      client.end();
      if (exited !== undefined) {
        this.finish(`The shell exited (${exited}).`);
      } else if (!this.closed) {
        void this.reconnect();
      }
    };
    channel.on('close', lost);
    client.on('close', lost);
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) {
      return;
    }
    this.reconnecting = true;
    try {
      await pollUntil(
        async ({ attempt }) => {
          if (!(await this.options.boxAlive().catch(() => true))) {
            this.finish('The box is gone (terminated or reclaimed); the terminal cannot reconnect.');
            return done(undefined);
          }
          this.options.onStatus(`Connection to the box lost; reconnecting (attempt ${attempt + 1})…`);
          try {
            await this.startShell();
          } catch (error) {
            this.options.onStatus(`Reconnect failed: ${messageOf(error)}`);
            return notYet(messageOf(error));
          }
          if (!this.closed) {
            this.options.onStatus('Reconnected: this is a new shell; programs started in the old one may have stopped.');
          }
          return done(undefined);
        },
        {
          describe: 'the SSH connection to the box',
          intervalMs: this.options.initialBackoffMs ?? 1_000,
          backoffFactor: 2,
          maxIntervalMs: this.options.maxBackoffMs ?? 15_000,
          // No deadline: a spot box can be unreachable for minutes and come back; closing the terminal ends it.
          signal: this.stopped.signal,
          ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
        },
      );
    } catch {
      // Only a close ends the wait, and the close has already told the user.
    } finally {
      this.reconnecting = false;
    }
  }

  private finish(reason: string): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.stopped.abort();
    const client = this.client;
    this.client = undefined;
    this.channel = undefined;
    client?.end();
    this.options.onClose(reason);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
