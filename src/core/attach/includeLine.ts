import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../ssh/knownHosts';
import { includeLineStatus, withIncludeLine } from '../ssh/sshConfig';

export type IncludeOutcome = 'present' | 'added' | 'declined';

/**
 * Makes the user's `~/.ssh/config` include Spotbox's config, only with their consent: Remote-SSH
 * resolves `spotbox-<name>` through the user's config, but the file is theirs. One line is
 * prepended; every other byte (and the file's mode) stays as it was, and the file as it was is
 * kept next to it as `config.bak`. A config that is a symlink (dotfiles repositories) is edited
 * at its target, so the link stays a link.
 */
export async function ensureIncludeLine(userConfigPath: string, spotboxConfigPath: string, askConsent: () => Promise<boolean>): Promise<IncludeOutcome> {
  const before = await readConfig(userConfigPath);
  if (includeLineStatus(before.text, spotboxConfigPath) === 'present') {
    return 'present';
  }
  if (!(await askConsent())) {
    return 'declined';
  }
  // The file may have changed while the question was open (another window, the user's editor):
  // edit what is there now, not what was read before asking.
  const current = await readConfig(userConfigPath);
  if (includeLineStatus(current.text, spotboxConfigPath) === 'present') {
    return 'present';
  }
  await fs.promises.mkdir(path.dirname(current.file), { recursive: true, mode: 0o700 });
  if (current.exists) {
    await fs.promises.writeFile(`${current.file}.bak`, current.text, { mode: current.mode });
  }
  await writeFileAtomic(current.file, withIncludeLine(current.text, spotboxConfigPath));
  await fs.promises.chmod(current.file, current.mode);
  return 'added';
}

/** The config's text and mode, read at the end of its symlinks; a missing file reads as empty, 0600. */
async function readConfig(userConfigPath: string): Promise<{ file: string; text: string; mode: number; exists: boolean }> {
  let file = userConfigPath;
  try {
    file = await fs.promises.realpath(userConfigPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
    // A dangling link: write where it points, so the link becomes valid instead of replaced.
    file = await danglingLinkTarget(userConfigPath);
  }
  try {
    const text = await fs.promises.readFile(file, 'utf8');
    return { file, text, mode: (await fs.promises.stat(file)).mode & 0o777, exists: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
    return { file, text: '', mode: 0o600, exists: false };
  }
}

async function danglingLinkTarget(userConfigPath: string): Promise<string> {
  try {
    return path.resolve(path.dirname(userConfigPath), await fs.promises.readlink(userConfigPath));
  } catch {
    return userConfigPath;
  }
}
