import type { Client, SFTPWrapper, Stats } from 'ssh2';

/** The few SFTP calls an upload needs, as promises, over one channel of an open connection. */
export class SftpSession {
  private constructor(private readonly sftp: SFTPWrapper) {}

  static open(client: Client): Promise<SftpSession> {
    return new Promise((resolve, reject) => {
      client.sftp((error, sftp) => (error ? reject(error) : resolve(new SftpSession(sftp))));
    });
  }

  /** The login's home folder: where an SFTP session starts. */
  home(): Promise<string> {
    return new Promise((resolve, reject) => this.sftp.realpath('.', (error, absolute) => (error ? reject(error) : resolve(absolute))));
  }

  /** Creates each missing folder of an absolute path (mkdir -p); `mode` applies to the last one only. */
  async mkdirs(absolute: string, mode?: number): Promise<void> {
    const parts = absolute.split('/').filter(Boolean);
    for (let depth = 1; depth <= parts.length; depth++) {
      await this.mkdir(`/${parts.slice(0, depth).join('/')}`, depth === parts.length ? mode : undefined);
    }
  }

  /** mkdir that accepts an existing folder (SFTP reports "exists" only as a generic failure). */
  async mkdir(absolute: string, mode?: number): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => this.sftp.mkdir(absolute, mode === undefined ? {} : { mode }, (error) => (error ? reject(error) : resolve())));
      if (mode !== undefined) await this.chmod(absolute, mode);
    } catch (error) {
      const existing = await this.stat(absolute).catch(() => undefined);
      if (!existing?.isDirectory()) throw error;
    }
  }

  /** Writes a local file with several requests in flight; `onBytes` hears of each chunk. */
  put(localPath: string, remotePath: string, onBytes: (bytes: number) => void): Promise<void> {
    return new Promise((resolve, reject) =>
      this.sftp.fastPut(localPath, remotePath, { concurrency: 16, step: (_total, chunk) => onBytes(chunk) }, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** Sets the exact mode: a mode given at open time is subject to the server's umask. */
  chmod(remotePath: string, mode: number): Promise<void> {
    return new Promise((resolve, reject) => this.sftp.chmod(remotePath, mode, (error) => (error ? reject(error) : resolve())));
  }

  stat(remotePath: string): Promise<Stats> {
    return new Promise((resolve, reject) => this.sftp.stat(remotePath, (error, stats) => (error ? reject(error) : resolve(stats))));
  }

  end(): void {
    this.sftp.end();
  }
}
