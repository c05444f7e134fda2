import type { Client } from 'ssh2';
import type { SpotboxProfile } from '../profile/profileTypes';
import { startSessionOnBox, waitForAgent } from '../recovery/boxSessionOps';
import { cloneWorkspace } from '../workspace/cloneWorkspace';
import { redactUrl } from '../logging/redactUrl';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../workspace/sizeGuard';
import { uploadWorkspace } from '../workspace/uploadWorkspace';
import type { UploadProgress } from '../workspace/workspaceTypes';

export interface ProvisionOptions {
  /** The local workspace folder; nothing is uploaded without one. */
  readonly localRoot?: string;
  readonly maxUploadBytes?: number;
  readonly onMessage?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface ProvisionResult {
  readonly workspace: 'uploaded' | 'cloned' | 'none';
  readonly remoteDir?: string;
  readonly files?: number;
  readonly session: 'started' | 'already-running' | 'none';
}

/**
 * A new box's first minutes: the user's code onto it (uploaded honouring .gitignore, or cloned
 * when the profile says `cloneFrom`), then the training session started in tmux once the agent is
 * there to checkpoint it.
 */
export async function provisionBox(client: Client, profile: SpotboxProfile, options: ProvisionOptions): Promise<ProvisionResult> {
  let workspace: ProvisionResult['workspace'] = 'none';
  let remoteDir: string | undefined;
  let files: number | undefined;
  if (profile.cloneFrom) {
    options.onMessage?.(`cloning ${redactUrl(profile.cloneFrom)} on the box`);
    remoteDir = (await cloneWorkspace(client, { remoteUrl: profile.cloneFrom, remoteDir: profile.workspaceDir, ...(options.signal ? { signal: options.signal } : {}) })).remoteDir;
    workspace = 'cloned';
  } else if (options.localRoot) {
    const report = (progress: UploadProgress): void =>
      options.onMessage?.(`uploading the workspace: ${progress.filesDone}/${progress.filesTotal} files, ${(progress.bytesDone / 1048576).toFixed(1)} of ${(progress.bytesTotal / 1048576).toFixed(1)} MiB`);
    const result = await uploadWorkspace(client, {
      localRoot: options.localRoot,
      remoteDir: profile.workspaceDir,
      maxBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
      onProgress: report,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    remoteDir = result.remoteDir;
    files = result.files;
    workspace = 'uploaded';
  }
  let session: ProvisionResult['session'] = 'none';
  if (profile.session) {
    if (profile.checkpoint) {
      options.onMessage?.('waiting for the Spotbox agent on the box');
      await waitForAgent(client, { ...(options.signal ? { signal: options.signal } : {}) });
    }
    options.onMessage?.('starting the session');
    session = await startSessionOnBox(client, { command: profile.session.command, workingDir: profile.session.workingDir ?? profile.workspaceDir });
  }
  return { workspace, ...(remoteDir !== undefined ? { remoteDir } : {}), ...(files !== undefined ? { files } : {}), session };
}
