import * as posix from 'node:path/posix';
import { SpotboxError } from '../errors';
import { shellPath } from '../ssh/runRemoteCommand';

/**
 * A box folder as a shell word: `~` and `~/...` become "$HOME"/'...' (a quoted `~` would not be
 * expanded), anything else is quoted whole. Only absolute paths and paths under ~ are accepted,
 * as in the profile's workspaceDir.
 */
export function remoteDirForShell(remoteDir: string): string {
  checkRemoteDir(remoteDir);
  return shellPath(remoteDir);
}

/** A box folder as an absolute path, given the login's home folder (SFTP does not expand ~). */
export function resolveRemoteDir(remoteDir: string, home: string): string {
  checkRemoteDir(remoteDir);
  if (remoteDir === '~') return home;
  return remoteDir.startsWith('~/') ? posix.join(home, remoteDir.slice(2)) : posix.normalize(remoteDir);
}

function checkRemoteDir(remoteDir: string): void {
  if (!(remoteDir === '~' || remoteDir.startsWith('~/') || remoteDir.startsWith('/')) || /[\0\n]/.test(remoteDir)) {
    throw new SpotboxError(`"${remoteDir}" cannot be a folder on the box: use an absolute path or one under ~, such as "~/workspace".`, 'Change "workspaceDir" in .spotbox/profile.json.');
  }
}
