import { scrubSecrets } from '../logging/scrubSecrets';
import type { Client } from 'ssh2';
import { UserCancelledError } from '../errors';
import { loginAsOtherUserError } from './loginAsOtherUser';

export interface RemoteCommandResult {
  readonly stdout: string;
  readonly stderr: string;
  /** null when the command was killed by a signal or the channel closed without a status. */
  readonly code: number | null;
}

export interface RemoteCommandOptions {
  /** Default 60 s; Infinity for work that takes what it takes (a git clone) and is ended by `signal`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

// Enough to explain a failure or read a result line; a chatty command must not fill memory.
const MAX_CAPTURE = 64 * 1024;

/** Runs one command over an open connection and collects its output (the last 64 KiB of each stream). */
export function runRemoteCommand(client: Client, command: string, options: RemoteCommandOptions = {}): Promise<RemoteCommandResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new UserCancelledError());
      return;
    }
    client.exec(command, (error, stream) => {
      if (error) {
        reject(error);
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      const keep = (text: string, chunk: Buffer): string => (text + chunk.toString('utf8')).slice(-MAX_CAPTURE);
      const stop = (reason: Error): void => {
        stream.close();
        reject(reason);
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => stop(new Error(`The command on the box did not finish within ${Math.round(timeoutMs / 1000)} s: ${scrubSecrets(command).slice(0, 80)}`)), timeoutMs)
        : undefined;
      const onAbort = (): void => stop(new UserCancelledError());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
      stream.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
      stream.on('exit', (exitCode: number | null) => (code = typeof exitCode === 'number' ? exitCode : null));
      stream.on('close', () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const result = { stdout, stderr, code };
        // Logged in as root on an image that wants its own user: nothing ran, so no result to read.
        const wrongUser = loginAsOtherUserError(result);
        if (wrongUser) reject(wrongUser);
        else resolve(result);
      });
    });
  });
}

/** Quotes text for a POSIX shell; `~/` at the start stays expandable as `"$HOME"/...`. */
export function shellPath(text: string): string {
  if (text === '~') {
    return '"$HOME"';
  }
  if (text.startsWith('~/')) {
    return `"$HOME"/${shellWord(text.slice(2))}`;
  }
  return shellWord(text);
}

export function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
