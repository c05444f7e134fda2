/** One file to upload, relative to the workspace root with forward slashes. */
export interface WorkspaceFile {
  readonly path: string;
  readonly size: number;
  /** Permission bits (e.g. 0o755), kept on the box. */
  readonly mode: number;
}

export interface WorkspaceListing {
  readonly files: readonly WorkspaceFile[];
  /** Every folder to create, parents before children; files' folders and empty ones alike. */
  readonly directories: ReadonlyArray<{ readonly path: string; readonly mode: number }>;
  readonly totalBytes: number;
  /** Symbolic links are not followed (they may point anywhere, or outside the workspace). */
  readonly skippedSymlinks: readonly string[];
}

export interface UploadProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** The file that just finished, when a file finished. */
  readonly path?: string;
}

export interface UploadResult {
  /** Where the workspace now is on the box, `~` expanded. */
  readonly remoteDir: string;
  readonly files: number;
  readonly bytes: number;
  readonly skippedSymlinks: readonly string[];
}
