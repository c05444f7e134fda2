import type { Client } from 'ssh2';

export interface RemoteCommandResult {
  readonly stdout: string;
  readonly stderr: string;
  /** null when the command was killed by a signal or the channel closed without a status. */
  readonly code: number | null;
}

/** Runs one command over an open connection and collects its output. */
export function runRemoteCommand(client: Client, command: string, options: { timeoutMs?: number } = {}): Promise<RemoteCommandResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) {
        reject(error);
        return;
      }
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      const timer = setTimeout(() => {
        stream.close();
        reject(new Error(`The command on the box did not finish within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s: ${command.slice(0, 80)}`));
      }, options.timeoutMs ?? 60_000);
      stream.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      stream.on('exit', (exitCode: number | null) => (code = exitCode));
      stream.on('close', () => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code });
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
