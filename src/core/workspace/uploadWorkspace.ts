import * as path from 'node:path';
import * as posix from 'node:path/posix';
import type { Client } from 'ssh2';
import { SpotboxError, UserCancelledError } from '../errors';
import { listWorkspaceFiles } from './listWorkspaceFiles';
import { resolveRemoteDir } from './remotePaths';
import { SftpSession } from './sftpSession';
import { checkUploadSize } from './sizeGuard';
import type { UploadProgress, UploadResult, WorkspaceFile } from './workspaceTypes';

export interface UploadOptions {
  readonly localRoot: string;
  /** Absolute, or under ~ (the login's home), e.g. the profile's workspaceDir. */
  readonly remoteDir: string;
  /** Refused above this before anything is sent (see DEFAULT_MAX_UPLOAD_BYTES). */
  readonly maxBytes: number;
  /** Files in flight at once; each is itself written with several requests in flight. */
  readonly concurrency?: number;
  readonly onProgress?: (progress: UploadProgress) => void;
  readonly signal?: AbortSignal;
}

// Chunk progress is frequent (every 32 KiB); a progress bar needs a few updates a second.
const PROGRESS_INTERVAL_MS = 200;

/**
 * Copies the local workspace to the box over SFTP on an already-connected client: what git would
 * not ignore, checked against the size limit first, folders created (mkdir -p), files written a
 * few at a time with their permission bits. Existing files on the box are overwritten; nothing on
 * the box is deleted.
 */
export async function uploadWorkspace(client: Client, options: UploadOptions): Promise<UploadResult> {
  const listing = await listWorkspaceFiles(options.localRoot, { signal: options.signal });
  checkUploadSize(listing, options.maxBytes);
  if (options.signal?.aborted) throw new UserCancelledError();

  const sftp = await SftpSession.open(client).catch((error: unknown) => {
    throw new SpotboxError(`The box refused an SFTP session: ${messageOf(error)}.`, 'Check that the image runs an SSH server with the sftp subsystem (OpenSSH does by default).', { cause: error });
  });
  const onAbort = (): void => sftp.end();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const remoteRoot = resolveRemoteDir(options.remoteDir, await sftp.home());
    await sftp.mkdirs(remoteRoot).catch((error: unknown) => {
      throw new SpotboxError(`Cannot create ${remoteRoot} on the box: ${messageOf(error)}.`, 'Pick a "workspaceDir" the SSH user may write to, such as "~/workspace".', { cause: error });
    });
    for (const directory of listing.directories) {
      await sftp.mkdir(posix.join(remoteRoot, directory.path), directory.mode);
    }
    const progress = new ProgressCounter(listing.files.length, listing.totalBytes, options.onProgress);
    await forEachLimited(listing.files, options.concurrency ?? 4, async (file) => {
      if (options.signal?.aborted) throw new UserCancelledError();
      await putFile(sftp, options.localRoot, remoteRoot, file, progress);
    });
    return { remoteDir: remoteRoot, files: listing.files.length, bytes: listing.totalBytes, skippedSymlinks: listing.skippedSymlinks };
  } catch (error) {
    throw options.signal?.aborted ? new UserCancelledError() : error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    sftp.end();
  }
}

async function putFile(sftp: SftpSession, localRoot: string, remoteRoot: string, file: WorkspaceFile, progress: ProgressCounter): Promise<void> {
  const remotePath = posix.join(remoteRoot, file.path);
  try {
    await sftp.put(path.join(localRoot, ...file.path.split('/')), remotePath, (bytes) => progress.bytes(bytes));
    await sftp.chmod(remotePath, file.mode);
  } catch (error) {
    throw new SpotboxError(`Uploading ${file.path} to ${remotePath} failed: ${messageOf(error)}.`, 'Check the free disk space on the box (df -h) and that the folder is writable, then upload again.', { cause: error });
  }
  progress.fileDone(file);
}

class ProgressCounter {
  private filesDone = 0;
  private bytesDone = 0;
  private lastReport = 0;

  constructor(
    private readonly filesTotal: number,
    private readonly bytesTotal: number,
    private readonly report: ((progress: UploadProgress) => void) | undefined,
  ) {}

  bytes(count: number): void {
    this.bytesDone += count;
    if (Date.now() - this.lastReport >= PROGRESS_INTERVAL_MS) this.emit();
  }

  fileDone(file: WorkspaceFile): void {
    this.filesDone++;
    this.emit(file.path);
  }

  private emit(path?: string): void {
    this.lastReport = Date.now();
    this.report?.({ filesDone: this.filesDone, filesTotal: this.filesTotal, bytesDone: this.bytesDone, bytesTotal: this.bytesTotal, ...(path !== undefined ? { path } : {}) });
  }
}

/** Runs `work` over the items with at most `limit` at once; the first failure stops new work. */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  const rejection = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (rejection) throw rejection.reason;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
