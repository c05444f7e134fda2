import type { Client } from 'ssh2';
import { UserCancelledError } from '../errors';

export interface ExecResult {
  /** Exit status; null when the command was ended by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Enough to explain a failure; a chatty command must not fill memory.
const MAX_CAPTURE = 64 * 1024;

/** Runs one shell command on the box over an open connection, collecting its output (tail only). */
export function execOnBox(client: Client, command: string, options: { signal?: AbortSignal } = {}): Promise<ExecResult> {
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
      const keep = (text: string, chunk: Buffer): string => (text + chunk.toString('utf8')).slice(-MAX_CAPTURE);
      const onAbort = (): void => {
        stream.close();
        reject(new UserCancelledError());
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
      stream.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
      stream.on('close', (code: number | null) => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      });
    });
  });
}
