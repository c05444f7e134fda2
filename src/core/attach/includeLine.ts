import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../ssh/knownHosts';
import { includeLineStatus, withIncludeLine } from '../ssh/sshConfig';

export type IncludeOutcome = 'present' | 'added' | 'declined';

/**
 * Makes the user's `~/.ssh/config` include Spotbox's config, only with their consent: Remote-SSH
 * resolves `spotbox-<name>` through the user's config, but the file is theirs. One line is
 * prepended; every other byte (and the file's mode) stays as it was.
 */
export async function ensureIncludeLine(userConfigPath: string, spotboxConfigPath: string, askConsent: () => Promise<boolean>): Promise<IncludeOutcome> {
  let existing = '';
  let mode = 0o600;
  try {
    existing = await fs.promises.readFile(userConfigPath, 'utf8');
    mode = (await fs.promises.stat(userConfigPath)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  if (includeLineStatus(existing, spotboxConfigPath) === 'present') {
    return 'present';
  }
  if (!(await askConsent())) {
    return 'declined';
  }
  await fs.promises.mkdir(path.dirname(userConfigPath), { recursive: true, mode: 0o700 });
  await writeFileAtomic(userConfigPath, withIncludeLine(existing, spotboxConfigPath));
  await fs.promises.chmod(userConfigPath, mode);
  return 'added';
}
