import type { Client } from 'ssh2';
import { SpotboxError } from '../errors';
import { hasUrlCredentials, redactUrl } from '../logging/redactUrl';
import { scrubSecrets } from '../logging/scrubSecrets';
import { GIT_REMOTE } from '../profile/parseProfile';
import { runRemoteCommand, shellWord } from '../ssh/runRemoteCommand';
import { remoteDirForShell } from './remotePaths';

export interface CloneOptions {
  /** Anything `git clone` takes: https://, ssh://, git@host:path, or a path the box can read. */
  readonly remoteUrl: string;
  /** Absolute, or under ~; git refuses a folder that exists and is not empty. */
  readonly remoteDir: string;
  readonly branch?: string;
  readonly signal?: AbortSignal;
}

/**
 * Clones the workspace's repository on the box instead of uploading it (big repositories, or
 * ones whose data lives in git LFS). Runs without a terminal, so git fails instead of prompting
 * for a password it could never get. Resolves with the clone's absolute path on the box.
 */
export async function cloneWorkspace(client: Client, options: CloneOptions): Promise<{ remoteDir: string }> {
  const shownUrl = redactUrl(options.remoteUrl);
  if (!GIT_REMOTE.test(options.remoteUrl)) {
    throw new SpotboxError(`"${shownUrl}" is not a git remote URL.`, 'Set "cloneFrom" in .spotbox/profile.json to a URL such as "https://github.com/you/project.git" or "git@github.com:you/project.git".');
  }
  if (options.branch !== undefined && !GIT_REMOTE.test(options.branch)) {
    throw new SpotboxError(`"${options.branch}" is not a git branch name.`);
  }
  const branch = options.branch !== undefined ? ` --branch ${shellWord(options.branch)}` : '';
  const target = remoteDirForShell(options.remoteDir);
  // Credentials in the URL serve the clone only: the stored remote loses them at once, so the
  // box's .git/config (which a workspace checkpoint may upload) never holds a token.
  const forgetCredentials = hasUrlCredentials(options.remoteUrl) ? ` && git remote set-url origin ${shellWord(shownUrl)}` : '';
  const command = `GIT_TERMINAL_PROMPT=0 git clone --quiet${branch} -- ${shellWord(options.remoteUrl)} ${target} && cd ${target}${forgetCredentials} && pwd`;
  const result = await runRemoteCommand(client, command, { timeoutMs: Infinity, ...(options.signal ? { signal: options.signal } : {}) });
  if (result.code === 127) {
    throw new SpotboxError('git is not installed on the box.', 'Use an image with git (the Deep Learning AMIs have it), or remove "cloneFrom" from .spotbox/profile.json to upload the workspace instead.');
  }
  if (result.code !== 0) {
    const stderr = scrubSecrets(result.stderr.split(options.remoteUrl).join(shownUrl));
    const why = stderr.trim().split('\n').slice(-3).join(' ') || `exit status ${result.code ?? 'unknown (killed)'}`;
    throw new SpotboxError(
      `git clone of ${shownUrl} into ${options.remoteDir} on the box failed: ${why}`,
      /already exists/.test(why)
        ? `Remove or rename ${options.remoteDir} on the box, or change "workspaceDir" in .spotbox/profile.json.`
        : 'Check the URL. For a private repository, use an SSH URL (git@github.com:you/project.git) with a read-only deploy key on the box or SSH agent forwarding, or a git credential helper on the box; keep tokens out of "cloneFrom".',
    );
  }
  return { remoteDir: result.stdout.trim().split('\n').pop() || options.remoteDir };
}
